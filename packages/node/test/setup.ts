// libp2p needs Promise.withResolvers on Node 20 (see src/polyfill.ts)
import '../src/util/polyfill.js';
