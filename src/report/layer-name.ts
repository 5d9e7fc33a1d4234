/**
 * A masked layer's name as a person reads it (issue #23 item 3: "layers carry raw ONNX names"). PyTorch's exporter
 * names nodes by module path and op, "/layer1/layer1.0/bn1/BatchNormalization": that is module `layer1.0.bn1`. Other
 * names are kept as they are. The raw name stays available (tooltips, scan.json): it is what identifies the node.
 */
export function layerDisplayName(raw: string): string {
  if (!raw.startsWith('/')) return raw;
  const parts = raw.split('/').filter(Boolean);
  // The last part is the op type (BatchNormalization, Conv, Conv_3…) when there is a module path before it.
  if (parts.length > 1 && /^[A-Z][A-Za-z]*(_\d+)?$/.test(parts[parts.length - 1])) parts.pop();
  // A part that extends the one before it ("layer1" then "layer1.0", "downsample" then "downsample.1") names the same
  // module more precisely: it replaces that part.
  const out: string[] = [];
  for (const p of parts) {
    if (out.length && p.startsWith(`${out[out.length - 1]}.`)) out[out.length - 1] = p;
    else out.push(p);
  }
  return out.join('.') || raw;
}
