/**
 * Makes protobufjs decode int64 fields as exact Long objects everywhere. protobufjs looks for the `long`
 * package with a runtime `require` hidden in eval, which fails inside an esbuild bundle; it then falls back to
 * JS numbers, which silently round values beyond 2^53 (INT64_MAX becomes 2^63 and is re-encoded as INT64_MIN
 * by the writer). Importing Long here puts it in the bundle and hands it to protobufjs explicitly.
 * Every module that decodes or encodes ONNX imports this first.
 */
import Long from 'long';
import * as protobuf from 'protobufjs/minimal';

if (protobuf.util.Long !== Long) {
  protobuf.util.Long = Long;
  protobuf.configure();
}
