;; The engine's own WebAssembly SIMD kernels, run on tfjs-backend-wasm's memory (imported: tensors are read and
;; written in place, by byte address). Each replaces a chain of tfjs elementwise kernels that each make a full pass
;; over an activation (tfjs runs those on one thread, outside XNNPACK) with one pass. NHWC tensors are seen as
;; rows × C with C a multiple of 4 (the caller checks); every pointer is a byte address. Sums over rows accumulate
;; in float64 (scratch accumulators) and are rounded once, as PyTorch's CPU BatchNorm does: a background that sits at
;; zero after BatchNorm makes every ReLU gradient there hang on the last bit of the batch mean. Built to the .wasm bytes in kernels-wasm.ts by scripts/build-kernels.mjs.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func (export "zero") (param $p i32) (param $bytes i32)
    (memory.fill (local.get $p) (i32.const 0) (local.get $bytes)))

  ;; out[0..c) (float32) = acc[0..c) (float64), rounded.
  (func $roundInto (param $out i32) (param $acc i32) (param $c i32)
    (local $j i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $j) (local.get $c)))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (v128.load (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3)))))
          (f32x4.demote_f64x2_zero (v128.load offset=16 (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3)))))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $l))))

  ;; sumA[c] = Σ_r a[r,c]; when $b is not 0 also sumAB[c] = Σ_r a[r,c]·b[r,c] (products in float32, as the composite
  ;; ops form them). accA/accAB: scratch for C float64 accumulators each.
  (func (export "channelSums") (param $a i32) (param $b i32) (param $rows i32) (param $c i32)
      (param $accA i32) (param $accAB i32) (param $sumA i32) (param $sumAB i32)
    (local $row i32) (local $r i32) (local $j i32) (local $off i32) (local $av v128) (local $accp i32) (local $w v128)
    (local.set $row (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $accA) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (if (local.get $b) (then (memory.fill (local.get $accAB) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))))
    (block $done (loop $rl
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $row)))
      (local.set $j (i32.const 0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $j) (local.get $row)))
        (local.set $av (v128.load (i32.add (local.get $a) (i32.add (local.get $off) (local.get $j)))))
        ;; float64 accumulators: 8 bytes per channel, so byte offset j·2
        (local.set $accp (i32.add (local.get $accA) (i32.shl (local.get $j) (i32.const 1))))
        (local.set $w (local.get $av))
        (v128.store (local.get $accp) (f64x2.add (v128.load (local.get $accp)) (f64x2.promote_low_f32x4 (local.get $w))))
        (v128.store offset=16 (local.get $accp) (f64x2.add (v128.load offset=16 (local.get $accp))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $w) (local.get $w)))))
        (if (local.get $b) (then
          (local.set $accp (i32.add (local.get $accAB) (i32.shl (local.get $j) (i32.const 1))))
        (local.set $w (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $b) (i32.add (local.get $off) (local.get $j))))))
        (v128.store (local.get $accp) (f64x2.add (v128.load (local.get $accp)) (f64x2.promote_low_f32x4 (local.get $w))))
        (v128.store offset=16 (local.get $accp) (f64x2.add (v128.load offset=16 (local.get $accp))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $w) (local.get $w)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
    (call $roundInto (local.get $sumA) (local.get $accA) (local.get $c))
    (if (local.get $b) (then (call $roundInto (local.get $sumAB) (local.get $accAB) (local.get $c)))))

  ;; xc[r,c] = x[r,c] − mean[c] (not stored when $xc is 0) and sumSq[c] = Σ_r xc[r,c]² (acc: scratch for C float64
  ;; accumulators).
  (func (export "centerAndSquares") (param $x i32) (param $mean i32) (param $rows i32) (param $c i32)
      (param $xc i32) (param $acc i32) (param $sumSq i32)
    (local $row i32) (local $r i32) (local $j i32) (local $off i32) (local $v v128) (local $accp i32) (local $w v128)
    (local.set $row (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (block $done (loop $rl
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $row)))
      (local.set $j (i32.const 0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $j) (local.get $row)))
        (local.set $v (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j))))
                                 (v128.load (i32.add (local.get $mean) (local.get $j)))))
        (if (local.get $xc) (then (v128.store (i32.add (local.get $xc) (i32.add (local.get $off) (local.get $j))) (local.get $v))))
        (local.set $accp (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1))))
        (local.set $w (f32x4.mul (local.get $v) (local.get $v)))
        (v128.store (local.get $accp) (f64x2.add (v128.load (local.get $accp)) (f64x2.promote_low_f32x4 (local.get $w))))
        (v128.store offset=16 (local.get $accp) (f64x2.add (v128.load offset=16 (local.get $accp))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $w) (local.get $w)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
    (call $roundInto (local.get $sumSq) (local.get $acc) (local.get $c)))

  ;; out[r,c] = a[r,c]·ka[c] + k[c], and + b[r,c]·kb[c] when $b is not 0.
  (func (export "channelAffine") (param $a i32) (param $ka i32) (param $b i32) (param $kb i32) (param $k i32)
      (param $rows i32) (param $c i32) (param $out i32)
    (local $row i32) (local $r i32) (local $j i32) (local $off i32) (local $v v128)
    (local.set $row (i32.shl (local.get $c) (i32.const 2)))
    (block $done (loop $rl
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $row)))
      (local.set $j (i32.const 0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $j) (local.get $row)))
        (local.set $v (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $a) (i32.add (local.get $off) (local.get $j)))) (v128.load (i32.add (local.get $ka) (local.get $j))))
          (v128.load (i32.add (local.get $k) (local.get $j)))))
        (if (local.get $b) (then
          (local.set $v (f32x4.add (local.get $v)
            (f32x4.mul (v128.load (i32.add (local.get $b) (i32.add (local.get $off) (local.get $j)))) (v128.load (i32.add (local.get $kb) (local.get $j))))))))
        (v128.store (i32.add (local.get $out) (i32.add (local.get $off) (local.get $j))) (local.get $v))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl))))

;; BatchNorm (training) followed by a ReLU, in three passes instead of seven (see batchnorm_train.ts). The
  ;; backward recomputes xc = x − mean and z = xc·scale + shift from the saved input, in the same float32 operations
  ;; as the forward, so the ReLU's mask (z > 0) is exactly the forward's.

  ;; out[r,c] = max((x[r,c] − mean[c])·scale[c] + shift[c], 0).
  (func (export "bnRelu") (param $x i32) (param $mean i32) (param $scale i32) (param $shift i32) (param $rows i32)
      (param $c i32) (param $out i32)
    (local $row i32) (local $r i32) (local $j i32) (local $off i32)
    (local.set $row (i32.shl (local.get $c) (i32.const 2)))
    (block $done (loop $rl
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $row)))
      (local.set $j (i32.const 0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $j) (local.get $row)))
        (v128.store (i32.add (local.get $out) (i32.add (local.get $off) (local.get $j)))
          (f32x4.max
            (f32x4.add
              (f32x4.mul
                (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (v128.load (i32.add (local.get $mean) (local.get $j))))
                (v128.load (i32.add (local.get $scale) (local.get $j))))
              (v128.load (i32.add (local.get $shift) (local.get $j))))
            (f32x4.splat (f32.const 0))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl))))

  ;; With dz = dy where z > 0 (else 0): sumDz[c] = Σ_r dz[r,c] and sumDzXc[c] = Σ_r dz[r,c]·xc[r,c] (products in
  ;; float32). accA/accB: scratch for C float64 accumulators each.
  (func (export "bnReluGradSums") (param $dy i32) (param $x i32) (param $mean i32) (param $scale i32) (param $shift i32)
      (param $rows i32) (param $c i32) (param $accA i32) (param $accB i32) (param $sumDz i32) (param $sumDzXc i32)
    (local $row i32) (local $r i32) (local $j i32) (local $off i32) (local $xc v128) (local $dz v128) (local $w v128) (local $accp i32)
    (local.set $row (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $accA) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (memory.fill (local.get $accB) (i32.const 0) (i32.shl (local.get $c) (i32.const 3)))
    (block $done (loop $rl
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $row)))
      (local.set $j (i32.const 0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $j) (local.get $row)))
        (local.set $xc (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (v128.load (i32.add (local.get $mean) (local.get $j)))))
        (local.set $dz (v128.and (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $j))))
          (f32x4.gt
            (f32x4.add (f32x4.mul (local.get $xc) (v128.load (i32.add (local.get $scale) (local.get $j)))) (v128.load (i32.add (local.get $shift) (local.get $j))))
            (f32x4.splat (f32.const 0)))))
        (local.set $accp (i32.add (local.get $accA) (i32.shl (local.get $j) (i32.const 1))))
        (v128.store (local.get $accp) (f64x2.add (v128.load (local.get $accp)) (f64x2.promote_low_f32x4 (local.get $dz))))
        (v128.store offset=16 (local.get $accp) (f64x2.add (v128.load offset=16 (local.get $accp))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $dz) (local.get $dz)))))
        (local.set $w (f32x4.mul (local.get $dz) (local.get $xc)))
        (local.set $accp (i32.add (local.get $accB) (i32.shl (local.get $j) (i32.const 1))))
        (v128.store (local.get $accp) (f64x2.add (v128.load (local.get $accp)) (f64x2.promote_low_f32x4 (local.get $w))))
        (v128.store offset=16 (local.get $accp) (f64x2.add (v128.load offset=16 (local.get $accp))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $w) (local.get $w)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
    (call $roundInto (local.get $sumDz) (local.get $accA) (local.get $c))
    (call $roundInto (local.get $sumDzXc) (local.get $accB) (local.get $c)))

  ;; out[r,c] = (dz[r,c]·scale[c] + k[c]) + xc[r,c]·kxc[c], dz and xc as in bnReluGradSums (the operations and their
  ;; order of channelAffine(dz, scale, k, xc, kxc)).
  (func (export "bnReluGradInput") (param $dy i32) (param $x i32) (param $mean i32) (param $scale i32) (param $shift i32)
      (param $k i32) (param $kxc i32) (param $rows i32) (param $c i32) (param $out i32)
    (local $row i32) (local $r i32) (local $j i32) (local $off i32) (local $xc v128) (local $dz v128) (local $sc v128)
    (local.set $row (i32.shl (local.get $c) (i32.const 2)))
    (block $done (loop $rl
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $off (i32.mul (local.get $r) (local.get $row)))
      (local.set $j (i32.const 0))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $j) (local.get $row)))
        (local.set $sc (v128.load (i32.add (local.get $scale) (local.get $j))))
        (local.set $xc (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $off) (local.get $j)))) (v128.load (i32.add (local.get $mean) (local.get $j)))))
        (local.set $dz (v128.and (v128.load (i32.add (local.get $dy) (i32.add (local.get $off) (local.get $j))))
          (f32x4.gt
            (f32x4.add (f32x4.mul (local.get $xc) (local.get $sc)) (v128.load (i32.add (local.get $shift) (local.get $j))))
            (f32x4.splat (f32.const 0)))))
        (v128.store (i32.add (local.get $out) (i32.add (local.get $off) (local.get $j)))
          (f32x4.add
            (f32x4.add (f32x4.mul (local.get $dz) (local.get $sc)) (v128.load (i32.add (local.get $k) (local.get $j))))
            (f32x4.mul (local.get $xc) (v128.load (i32.add (local.get $kxc) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl))))

  ;; out = max(x, 0); bytes a multiple of 16.
  (func (export "relu") (param $x i32) (param $bytes i32) (param $out i32)
    (local $j i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
      (v128.store (i32.add (local.get $out) (local.get $j))
        (f32x4.max (v128.load (i32.add (local.get $x) (local.get $j))) (f32x4.splat (f32.const 0))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $l))))

  ;; out = dy where y > 0, else 0 (ReLU's gradient from its output); bytes a multiple of 16.
  (func (export "reluGrad") (param $dy i32) (param $y i32) (param $bytes i32) (param $out i32)
    (local $j i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
      (v128.store (i32.add (local.get $out) (local.get $j))
        (v128.and (v128.load (i32.add (local.get $dy) (local.get $j)))
                  (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $j))) (f32x4.splat (f32.const 0)))))
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $l))))

  ;; Max pooling's gradient for kh×kw windows with stride = window, no padding (floor: rows and columns past the last
  ;; whole window get nothing; the caller zeroes out first when there are any). x [N,H,W,C] the pooled input, y
  ;; [N,H/kh,W/kw,C] its output, dy as y. Only the first position (row-major) equal to its window's maximum gets the
  ;; gradient, as in PyTorch.
  (func (export "maxPoolGrad") (param $x i32) (param $y i32) (param $dy i32) (param $n i32) (param $h i32) (param $w i32)
      (param $c i32) (param $kh i32) (param $kw i32) (param $out i32)
    (local $row i32) (local $ho i32) (local $wo i32) (local $b i32) (local $oh i32) (local $ow i32) (local $i i32)
    (local $k i32) (local $j i32) (local $yoff i32) (local $xoff i32) (local $yv v128) (local $dyv v128)
    (local $taken v128) (local $eq v128)
    (local.set $row (i32.shl (local.get $c) (i32.const 2)))
    (local.set $ho (i32.div_u (local.get $h) (local.get $kh)))
    (local.set $wo (i32.div_u (local.get $w) (local.get $kw)))
    (block $nd (loop $nl
      (br_if $nd (i32.ge_u (local.get $b) (local.get $n)))
      (local.set $oh (i32.const 0))
      (block $hd (loop $hl
        (br_if $hd (i32.ge_u (local.get $oh) (local.get $ho)))
        (local.set $ow (i32.const 0))
        (block $wd (loop $wl
          (br_if $wd (i32.ge_u (local.get $ow) (local.get $wo)))
          ;; byte offset of y[b, oh, ow, 0]
          (local.set $yoff (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $ho)) (local.get $oh)) (local.get $wo)) (local.get $ow)) (local.get $row)))
          (local.set $j (i32.const 0))
          (block $cd (loop $cl
            (br_if $cd (i32.ge_u (local.get $j) (local.get $row)))
            (local.set $yv (v128.load (i32.add (local.get $y) (i32.add (local.get $yoff) (local.get $j)))))
            (local.set $dyv (v128.load (i32.add (local.get $dy) (i32.add (local.get $yoff) (local.get $j)))))
            (local.set $taken (v128.const i32x4 0 0 0 0))
            (local.set $i (i32.const 0))
            (block $id (loop $il
              (br_if $id (i32.ge_u (local.get $i) (local.get $kh)))
              (local.set $k (i32.const 0))
              (block $kd (loop $kl
                (br_if $kd (i32.ge_u (local.get $k) (local.get $kw)))
                ;; byte offset of x[b, oh*kh+i, ow*kw+k, j/4]
                (local.set $xoff (i32.add (local.get $j) (i32.mul (local.get $row)
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.add (i32.mul (local.get $oh) (local.get $kh)) (local.get $i))) (local.get $w))
                           (i32.add (i32.mul (local.get $ow) (local.get $kw)) (local.get $k))))))
                (local.set $eq (v128.andnot (f32x4.eq (v128.load (i32.add (local.get $x) (local.get $xoff))) (local.get $yv)) (local.get $taken)))
                (v128.store (i32.add (local.get $out) (local.get $xoff)) (v128.and (local.get $dyv) (local.get $eq)))
                (local.set $taken (v128.or (local.get $taken) (local.get $eq)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $kl)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $il)))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $cl)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $wl)))
        (local.set $oh (i32.add (local.get $oh) (i32.const 1)))
        (br $hl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $nl))))
  ;; [A, B, R bytes] → [B, A, R bytes]: whole rows move (memory.copy), e.g. [N, H·W, C] → [H·W, N, C].
  (func (export "swapOuter") (param $src i32) (param $a i32) (param $b i32) (param $row i32) (param $dst i32)
    (local $i i32) (local $p i32)
    (block $id (loop $il
      (br_if $id (i32.ge_u (local.get $i) (local.get $a)))
      (local.set $p (i32.const 0))
      (block $pd (loop $pl
        (br_if $pd (i32.ge_u (local.get $p) (local.get $b)))
        (memory.copy
          (i32.add (local.get $dst) (i32.mul (i32.add (i32.mul (local.get $p) (local.get $a)) (local.get $i)) (local.get $row)))
          (i32.add (local.get $src) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $b)) (local.get $p)) (local.get $row)))
          (local.get $row))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pl)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $il))))

  ;; float32 [A, B, C] → [C, B, A] (element (i, p, j) to (j, p, i)), A and C multiples of 4: 4×4 blocks transposed in
  ;; registers, e.g. [N, H·W, C] → [C, H·W, N].
  (func (export "swapEnds") (param $src i32) (param $a i32) (param $b i32) (param $c i32) (param $dst i32)
    (local $i i32) (local $p i32) (local $j i32) (local $s i32) (local $d i32) (local $srow i32) (local $drow i32)
    (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $srow (i32.mul (i32.mul (local.get $b) (local.get $c)) (i32.const 4))) ;; bytes from (i, p, j) to (i+1, p, j)
    (local.set $drow (i32.mul (i32.mul (local.get $b) (local.get $a)) (i32.const 4))) ;; bytes from (j, p, i) to (j+1, p, i)
    (block $id (loop $il
      (br_if $id (i32.ge_u (local.get $i) (local.get $a)))
      (local.set $p (i32.const 0))
      (block $pd (loop $pl
        (br_if $pd (i32.ge_u (local.get $p) (local.get $b)))
        (local.set $j (i32.const 0))
        (block $jd (loop $jl
          (br_if $jd (i32.ge_u (local.get $j) (local.get $c)))
          (local.set $s (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $i) (local.get $b)) (local.get $p)) (local.get $c)) (local.get $j)) (i32.const 2))))
          (local.set $r0 (v128.load (local.get $s)))
          (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $srow))))
          (local.set $r2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $srow) (i32.const 1)))))
          (local.set $r3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $srow) (i32.const 3)))))
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          (local.set $d (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $j) (local.get $b)) (local.get $p)) (local.get $a)) (local.get $i)) (i32.const 2))))
          (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
          (v128.store (i32.add (local.get $d) (local.get $drow)) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
          (v128.store (i32.add (local.get $d) (i32.shl (local.get $drow) (i32.const 1))) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
          (v128.store (i32.add (local.get $d) (i32.mul (local.get $drow) (i32.const 3))) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $jl)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pl)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $il))))

  ;; Filter gradient of a dense convolution (NHWC x [n, h, w, ci], output gradient dy [n, ho, wo, co], filter
  ;; [kh, kw, ci, co], strides sh/sw, pads top pt / left pl, dilation 1): out[i, j, c, o] += Σ x[b, y·sh+i−pt,
  ;; x·sw+j−pl, c] · dy[b, y, x, o] over samples [b0, b1), for the output-channel groups of 8 in [og0, og1). A tile of
  ;; 4 input × 8 output channels lives in 8 registers while a block of nb samples × band output rows streams past (the
  ;; block's rows of x and dy stay in L1/L2: big images take a band of rows of one sample, small ones whole samples).
  ;; Taps that fall in the padding are skipped by clipping each row's range, so nothing is padded or copied.
  (func $filterGradGroups (param $x i32) (param $dy i32) (param $b0 i32) (param $b1 i32) (param $h i32) (param $w i32)
      (param $ci i32) (param $ho i32) (param $wo i32) (param $co i32) (param $kh i32) (param $kw i32) (param $sh i32)
      (param $sw i32) (param $pt i32) (param $pl i32) (param $og0 i32) (param $og1 i32) (param $nb i32) (param $band i32)
      (param $out i32)
    (local $bb i32) (local $be i32) (local $b i32) (local $y0 i32) (local $y1 i32) (local $i i32) (local $j i32)
    (local $ylo i32) (local $yhi i32) (local $xlo i32) (local $xhi i32) (local $c i32) (local $og i32) (local $y i32)
    (local $xp i32) (local $dp i32) (local $end i32) (local $o i32) (local $t i32) (local $len i32)
    (local $xstep i32) (local $dstep i32) (local $xrow i32) (local $drow i32) (local $xsample i32) (local $dsample i32)
    (local $xb i32) (local $db i32) (local $xr i32) (local $dr i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (local.set $xstep (i32.shl (i32.mul (local.get $sw) (local.get $ci)) (i32.const 2)))   ;; next output column
    (local.set $dstep (i32.shl (local.get $co) (i32.const 2)))
    (local.set $xrow (i32.shl (i32.mul (i32.mul (local.get $sh) (local.get $w)) (local.get $ci)) (i32.const 2))) ;; next output row
    (local.set $drow (i32.mul (local.get $wo) (local.get $dstep)))
    (local.set $xsample (i32.shl (i32.mul (i32.mul (local.get $h) (local.get $w)) (local.get $ci)) (i32.const 2)))
    (local.set $dsample (i32.mul (local.get $ho) (local.get $drow)))
    (local.set $bb (local.get $b0))
    (block $bd (loop $bl
      (br_if $bd (i32.ge_u (local.get $bb) (local.get $b1)))
      (local.set $be (i32.add (local.get $bb) (local.get $nb)))
      (if (i32.gt_u (local.get $be) (local.get $b1)) (then (local.set $be (local.get $b1))))
      (local.set $y0 (i32.const 0))
      (block $yd (loop $yl
        (br_if $yd (i32.ge_u (local.get $y0) (local.get $ho)))
        (local.set $y1 (i32.add (local.get $y0) (local.get $band)))
        (if (i32.gt_u (local.get $y1) (local.get $ho)) (then (local.set $y1 (local.get $ho))))
        (local.set $i (i32.const 0))
        (block $id (loop $il
          (br_if $id (i32.ge_u (local.get $i) (local.get $kh)))
          ;; rows y of [y0, y1) with 0 <= y*sh + i - pt < h
          (local.set $ylo (local.get $y0))
          (block $lo (loop $lol
            (br_if $lo (i32.ge_u (local.get $ylo) (local.get $y1)))
            (br_if $lo (i32.ge_s (i32.sub (i32.add (i32.mul (local.get $ylo) (local.get $sh)) (local.get $i)) (local.get $pt)) (i32.const 0)))
            (local.set $ylo (i32.add (local.get $ylo) (i32.const 1)))
            (br $lol)))
          (local.set $yhi (local.get $y1))
          (block $hi (loop $hil
            (br_if $hi (i32.le_u (local.get $yhi) (local.get $ylo)))
            (br_if $hi (i32.lt_s (i32.sub (i32.add (i32.mul (i32.sub (local.get $yhi) (i32.const 1)) (local.get $sh)) (local.get $i)) (local.get $pt)) (local.get $h)))
            (local.set $yhi (i32.sub (local.get $yhi) (i32.const 1)))
            (br $hil)))
          (local.set $j (i32.const 0))
          (block $jd (loop $jl
            (br_if $jd (i32.ge_u (local.get $j) (local.get $kw)))
            ;; columns x of [0, wo) with 0 <= x*sw + j - pl < w
            (local.set $xlo (i32.const 0))
            (block $lo2 (loop $lol2
              (br_if $lo2 (i32.ge_u (local.get $xlo) (local.get $wo)))
              (br_if $lo2 (i32.ge_s (i32.sub (i32.add (i32.mul (local.get $xlo) (local.get $sw)) (local.get $j)) (local.get $pl)) (i32.const 0)))
              (local.set $xlo (i32.add (local.get $xlo) (i32.const 1)))
              (br $lol2)))
            (local.set $xhi (local.get $wo))
            (block $hi2 (loop $hil2
              (br_if $hi2 (i32.le_u (local.get $xhi) (local.get $xlo)))
              (br_if $hi2 (i32.lt_s (i32.sub (i32.add (i32.mul (i32.sub (local.get $xhi) (i32.const 1)) (local.get $sw)) (local.get $j)) (local.get $pl)) (local.get $w)))
              (local.set $xhi (i32.sub (local.get $xhi) (i32.const 1)))
              (br $hil2)))
            (if (i32.and (i32.lt_u (local.get $ylo) (local.get $yhi)) (i32.lt_u (local.get $xlo) (local.get $xhi))) (then
              (local.set $len (i32.mul (i32.sub (local.get $xhi) (local.get $xlo)) (local.get $dstep)))
              (local.set $c (i32.const 0))
              (block $cd (loop $cl
                (br_if $cd (i32.ge_u (local.get $c) (local.get $ci)))
                (local.set $og (local.get $og0))
                (block $gd (loop $gl
                  (br_if $gd (i32.ge_u (local.get $og) (local.get $og1)))
                  ;; byte offset of out[i, j, c, 8·og]; rows c..c+3 are co floats apart
                  (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $i) (local.get $kw)) (local.get $j)) (local.get $ci)) (local.get $c)) (local.get $co)) (i32.shl (local.get $og) (i32.const 3))) (i32.const 2))))
                  (local.set $a0 (v128.load (local.get $o)))
                  (local.set $a1 (v128.load offset=16 (local.get $o)))
                  (local.set $t (i32.add (local.get $o) (local.get $dstep)))
                  (local.set $a2 (v128.load (local.get $t)))
                  (local.set $a3 (v128.load offset=16 (local.get $t)))
                  (local.set $t (i32.add (local.get $t) (local.get $dstep)))
                  (local.set $a4 (v128.load (local.get $t)))
                  (local.set $a5 (v128.load offset=16 (local.get $t)))
                  (local.set $t (i32.add (local.get $t) (local.get $dstep)))
                  (local.set $a6 (v128.load (local.get $t)))
                  (local.set $a7 (v128.load offset=16 (local.get $t)))
                  ;; x[bb, ylo*sh+i-pt, xlo*sw+j-pl, c] and dy[bb, ylo, xlo, 8·og]
                  (local.set $xb (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $bb) (local.get $h))
                    (i32.sub (i32.add (i32.mul (local.get $ylo) (local.get $sh)) (local.get $i)) (local.get $pt))) (local.get $w))
                    (i32.sub (i32.add (i32.mul (local.get $xlo) (local.get $sw)) (local.get $j)) (local.get $pl))) (local.get $ci)) (local.get $c)) (i32.const 2))))
                  (local.set $db (i32.add (local.get $dy) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $bb) (local.get $ho)) (local.get $ylo)) (local.get $wo)) (local.get $xlo)) (local.get $co)) (i32.shl (local.get $og) (i32.const 3))) (i32.const 2))))
                  (local.set $b (local.get $bb))
                  (block $sd (loop $sl
                    (br_if $sd (i32.ge_u (local.get $b) (local.get $be)))
                    (local.set $xr (local.get $xb))
                    (local.set $dr (local.get $db))
                    (local.set $y (local.get $ylo))
                    (block $rd (loop $rl
                      (br_if $rd (i32.ge_u (local.get $y) (local.get $yhi)))
                      (local.set $xp (local.get $xr))
                      (local.set $dp (local.get $dr))
                      (local.set $end (i32.add (local.get $dr) (local.get $len)))
                      (loop $xl
                        (local.set $d0 (v128.load (local.get $dp)))
                        (local.set $d1 (v128.load offset=16 (local.get $dp)))
                        (local.set $s (v128.load32_splat (local.get $xp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat offset=4 (local.get $xp)))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat offset=8 (local.get $xp)))
                        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $s (v128.load32_splat offset=12 (local.get $xp)))
                        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
                        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
                        (local.set $xp (i32.add (local.get $xp) (local.get $xstep)))
                        (local.set $dp (i32.add (local.get $dp) (local.get $dstep)))
                        (br_if $xl (i32.lt_u (local.get $dp) (local.get $end))))
                      (local.set $xr (i32.add (local.get $xr) (local.get $xrow)))
                      (local.set $dr (i32.add (local.get $dr) (local.get $drow)))
                      (local.set $y (i32.add (local.get $y) (i32.const 1)))
                      (br $rl)))
                    (local.set $xb (i32.add (local.get $xb) (local.get $xsample)))
                    (local.set $db (i32.add (local.get $db) (local.get $dsample)))
                    (local.set $b (i32.add (local.get $b) (i32.const 1)))
                    (br $sl)))
                  (v128.store (local.get $o) (local.get $a0))
                  (v128.store offset=16 (local.get $o) (local.get $a1))
                  (local.set $t (i32.add (local.get $o) (local.get $dstep)))
                  (v128.store (local.get $t) (local.get $a2))
                  (v128.store offset=16 (local.get $t) (local.get $a3))
                  (local.set $t (i32.add (local.get $t) (local.get $dstep)))
                  (v128.store (local.get $t) (local.get $a4))
                  (v128.store offset=16 (local.get $t) (local.get $a5))
                  (local.set $t (i32.add (local.get $t) (local.get $dstep)))
                  (v128.store (local.get $t) (local.get $a6))
                  (v128.store offset=16 (local.get $t) (local.get $a7))
                  (local.set $og (i32.add (local.get $og) (i32.const 1)))
                  (br $gl)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $cl)))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $il)))
        (local.set $y0 (local.get $y1))
        (br $yl)))
      (local.set $bb (local.get $be))
      (br $bl))))

  ;; The filter gradient over all samples, split between threads by output-channel group: each thread takes the next
  ;; group from the i32 counter at $next (0: every group of [0, co/8) here). A group's sums run over the samples in
  ;; the same order whichever thread takes it, so the result does not depend on the thread count or timing.
  (func (export "convFilterGrad") (param $x i32) (param $dy i32) (param $n i32) (param $h i32) (param $w i32)
      (param $ci i32) (param $ho i32) (param $wo i32) (param $co i32) (param $kh i32) (param $kw i32) (param $sh i32)
      (param $sw i32) (param $pt i32) (param $pl i32) (param $nb i32) (param $band i32) (param $out i32) (param $next i32)
    (local $g i32) (local $groups i32)
    (local.set $groups (i32.shr_u (local.get $co) (i32.const 3)))
    (if (i32.eqz (local.get $next)) (then
      (call $filterGradGroups (local.get $x) (local.get $dy) (i32.const 0) (local.get $n) (local.get $h) (local.get $w)
        (local.get $ci) (local.get $ho) (local.get $wo) (local.get $co) (local.get $kh) (local.get $kw) (local.get $sh)
        (local.get $sw) (local.get $pt) (local.get $pl) (i32.const 0) (local.get $groups) (local.get $nb) (local.get $band)
        (local.get $out))
      (return)))
    (block $done (loop $l
      (local.set $g (i32.atomic.rmw.add (local.get $next) (i32.const 1)))
      (br_if $done (i32.ge_u (local.get $g) (local.get $groups)))
      (call $filterGradGroups (local.get $x) (local.get $dy) (i32.const 0) (local.get $n) (local.get $h) (local.get $w)
        (local.get $ci) (local.get $ho) (local.get $wo) (local.get $co) (local.get $kh) (local.get $kw) (local.get $sh)
        (local.get $sw) (local.get $pt) (local.get $pl) (local.get $g) (i32.add (local.get $g) (i32.const 1)) (local.get $nb)
        (local.get $band) (local.get $out))
      (br $l))))

  ;; Dense convolution (NHWC x [n, h, w, ci]; filter packed as [co/8, kh·kw·ci, 8]; strides sh/sw, pads top pt /
  ;; left pl, dilation 1; optional bias [co] at $bias, 0 = none): out[p, o] = bias[o] + Σ x[…] · f[i, j, c, o] over the
  ;; n·ho·wo output positions p, co a multiple of 8. A tile of 4 consecutive positions × 8 output channels lives in 8
  ;; registers over the whole reduction (taps × ci). Each tile first lists its positions' input pixels per tap at $ind
  ;; (4·kh·kw pointers; a tap in the padding points at ci zeros at $zero), so the inner loop has no branch and few live
  ;; values. One input channel per turn: unrolled by 4, V8 hoisted every load of the body and spilled the accumulators
  ;; (23 instead of 40 GFLOP/s). Tiles [t, t + chunk) are taken from the i32 counter at $next (shared by the threads
  ;; that split the positions; each needs its own $ind), or all in turn when $next is 0.
  (func (export "convForward") (param $x i32) (param $f i32) (param $bias i32) (param $n i32) (param $h i32) (param $w i32)
      (param $ci i32) (param $ho i32) (param $wo i32) (param $co i32) (param $kh i32) (param $kw i32) (param $sh i32)
      (param $sw i32) (param $pt i32) (param $pl i32) (param $zero i32) (param $ind i32) (param $chunk i32) (param $next i32)
      (param $out i32)
    (local $total i32) (local $tiles i32) (local $t0 i32) (local $t1 i32) (local $t i32) (local $k i32) (local $p i32)
    (local $r i32) (local $hw i32) (local $og i32) (local $i i32) (local $j i32) (local $wp i32) (local $wend i32)
    (local $iy i32) (local $ix i32) (local $bb i32) (local $yy i32) (local $xx i32) (local $q i32) (local $qend i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $o i32) (local $rowbytes i32) (local $cobytes i32)
    (local $taps i32) (local $tapbytes i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $d0 v128) (local $d1 v128) (local $s v128)
    (local.set $hw (i32.mul (local.get $ho) (local.get $wo)))
    (local.set $total (i32.mul (local.get $n) (local.get $hw)))
    (local.set $tiles (i32.shr_u (i32.add (local.get $total) (i32.const 3)) (i32.const 2)))
    (local.set $cobytes (i32.shl (local.get $co) (i32.const 2)))
    (local.set $rowbytes (i32.shl (local.get $ci) (i32.const 2)))
    (local.set $taps (i32.mul (local.get $kh) (local.get $kw)))
    (local.set $tapbytes (i32.shl (local.get $ci) (i32.const 5))) ;; one tap's packed rows: ci × 8 floats
    (local.set $t1 (i32.const 0))
    (block $grabd (loop $grab
      (local.set $t0 (local.get $t1))
      (if (local.get $next) (then (local.set $t0 (i32.atomic.rmw.add (local.get $next) (local.get $chunk)))))
      (br_if $grabd (i32.ge_u (local.get $t0) (local.get $tiles)))
      (local.set $t1 (i32.add (local.get $t0) (local.get $chunk)))
      (if (i32.gt_u (local.get $t1) (local.get $tiles)) (then (local.set $t1 (local.get $tiles))))
      (local.set $t (local.get $t0))
      (block $td (loop $tl
        (br_if $td (i32.ge_u (local.get $t) (local.get $t1)))
        ;; ind[tap·4 + k]: position 4t+k's input pixel for the tap, or the zeros
        (local.set $k (i32.const 0))
        (block $kd (loop $kl
          (br_if $kd (i32.ge_u (local.get $k) (i32.const 4)))
          (local.set $p (i32.add (i32.shl (local.get $t) (i32.const 2)) (local.get $k)))
          (local.set $r (i32.rem_u (local.get $p) (local.get $hw)))
          (local.set $bb (i32.mul (i32.div_u (local.get $p) (local.get $hw)) (local.get $h)))
          (local.set $iy (i32.sub (i32.mul (i32.div_u (local.get $r) (local.get $wo)) (local.get $sh)) (local.get $pt)))
          (local.set $ix (i32.sub (i32.mul (i32.rem_u (local.get $r) (local.get $wo)) (local.get $sw)) (local.get $pl)))
          (local.set $q (i32.add (local.get $ind) (i32.shl (local.get $k) (i32.const 2))))
          (local.set $i (i32.const 0))
          (block $id0 (loop $il0
            (br_if $id0 (i32.ge_u (local.get $i) (local.get $kh)))
            (local.set $yy (i32.add (local.get $iy) (local.get $i)))
            (local.set $j (i32.const 0))
            (block $jd0 (loop $jl0
              (br_if $jd0 (i32.ge_u (local.get $j) (local.get $kw)))
              (local.set $xx (i32.add (local.get $ix) (local.get $j)))
              (i32.store (local.get $q)
                (select
                  (i32.add (local.get $x) (i32.mul (i32.add (i32.mul (i32.add (local.get $bb) (local.get $yy)) (local.get $w)) (local.get $xx)) (local.get $rowbytes)))
                  (local.get $zero)
                  (i32.and (i32.lt_u (local.get $p) (local.get $total)) (i32.and (i32.lt_u (local.get $yy) (local.get $h)) (i32.lt_u (local.get $xx) (local.get $w))))))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $jl0)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $il0)))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $kl)))
        (local.set $og (i32.const 0))
        (local.set $wp (local.get $f))
        (block $gd (loop $gl
          (br_if $gd (i32.ge_u (local.get $og) (local.get $co)))
          (if (local.get $bias)
            (then
              (local.set $a0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $og) (i32.const 2)))))
              (local.set $a1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $og) (i32.const 2))))))
            (else
              (local.set $a0 (v128.const i32x4 0 0 0 0))
              (local.set $a1 (v128.const i32x4 0 0 0 0))))
          (local.set $a2 (local.get $a0)) (local.set $a4 (local.get $a0)) (local.set $a6 (local.get $a0))
          (local.set $a3 (local.get $a1)) (local.set $a5 (local.get $a1)) (local.set $a7 (local.get $a1))
          ;; the og block's packed filter runs on through every tap
          (local.set $q (local.get $ind))
          (local.set $qend (i32.add (local.get $ind) (i32.shl (local.get $taps) (i32.const 4))))
          (loop $tapl
            (local.set $p0 (i32.load (local.get $q)))
            (local.set $p1 (i32.load offset=4 (local.get $q)))
            (local.set $p2 (i32.load offset=8 (local.get $q)))
            (local.set $p3 (i32.load offset=12 (local.get $q)))
            (local.set $wend (i32.add (local.get $wp) (local.get $tapbytes)))
            (loop $cl
              (local.set $d0 (v128.load (local.get $wp)))
              (local.set $d1 (v128.load offset=16 (local.get $wp)))
              (local.set $s (v128.load32_splat (local.get $p0)))
              (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (v128.load32_splat (local.get $p1)))
              (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (v128.load32_splat (local.get $p2)))
              (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $s (v128.load32_splat (local.get $p3)))
              (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $d0))))
              (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $d1))))
              (local.set $p0 (i32.add (local.get $p0) (i32.const 4)))
              (local.set $p1 (i32.add (local.get $p1) (i32.const 4)))
              (local.set $p2 (i32.add (local.get $p2) (i32.const 4)))
              (local.set $p3 (i32.add (local.get $p3) (i32.const 4)))
              (local.set $wp (i32.add (local.get $wp) (i32.const 32)))
              (br_if $cl (i32.lt_u (local.get $wp) (local.get $wend))))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (br_if $tapl (i32.lt_u (local.get $q) (local.get $qend))))
          ;; out[4t + k, og..og+8] for the positions that exist
          (local.set $p (i32.shl (local.get $t) (i32.const 2)))
          (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $p) (local.get $co)) (local.get $og)) (i32.const 2))))
          (v128.store (local.get $o) (local.get $a0)) (v128.store offset=16 (local.get $o) (local.get $a1))
          (local.set $o (i32.add (local.get $o) (local.get $cobytes)))
          (if (i32.lt_u (i32.add (local.get $p) (i32.const 1)) (local.get $total)) (then (v128.store (local.get $o) (local.get $a2)) (v128.store offset=16 (local.get $o) (local.get $a3))))
          (local.set $o (i32.add (local.get $o) (local.get $cobytes)))
          (if (i32.lt_u (i32.add (local.get $p) (i32.const 2)) (local.get $total)) (then (v128.store (local.get $o) (local.get $a4)) (v128.store offset=16 (local.get $o) (local.get $a5))))
          (local.set $o (i32.add (local.get $o) (local.get $cobytes)))
          (if (i32.lt_u (i32.add (local.get $p) (i32.const 3)) (local.get $total)) (then (v128.store (local.get $o) (local.get $a6)) (v128.store offset=16 (local.get $o) (local.get $a7))))
          (local.set $og (i32.add (local.get $og) (i32.const 8)))
          (br $gl)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tl)))
      (br $grab))))
)
