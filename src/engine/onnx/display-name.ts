/**
 * Names from a model file (node, tensor, value names, external data locations) as they may appear in an error
 * message. They are untrusted bytes: control characters (terminal escape sequences), bidi overrides and
 * megabyte-long names are escaped or cut, so a crafted model cannot garble the CLI's output or the UI.
 * The one implementation is errors.ts's showName / showNames; `show` is its name in the ONNX reader.
 */
export { showName as show, showNames } from '../errors';
