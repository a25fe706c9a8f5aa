console.log("docs: not built yet");
