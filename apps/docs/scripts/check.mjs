console.log("docs: nothing to check yet");
