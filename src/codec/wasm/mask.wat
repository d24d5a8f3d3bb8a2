;; XOR a region of linear memory with a repeated 4-byte key, 64 then 16 bytes a step (SIMD).
;; mask(ptr, len, key): any ptr (16-byte aligned is fastest); only the first (len & ~15) bytes are touched, the
;; caller masks the tail. Compiled into mask-wasm.ts by scripts/build-wasm.mjs.
(module
  (memory (export "memory") 1)
  (func (export "mask") (param $p i32) (param $n i32) (param $k i32)
    (local $end i32) (local $end64 i32) (local $kv v128)
    (local.set $kv (i32x4.splat (local.get $k)))
    (local.set $end (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -16))))
    (local.set $end64 (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -64))))
    (block $done64
      (loop $l64
        (br_if $done64 (i32.ge_u (local.get $p) (local.get $end64)))
        (v128.store offset=0 (local.get $p) (v128.xor (v128.load offset=0 (local.get $p)) (local.get $kv)))
        (v128.store offset=16 (local.get $p) (v128.xor (v128.load offset=16 (local.get $p)) (local.get $kv)))
        (v128.store offset=32 (local.get $p) (v128.xor (v128.load offset=32 (local.get $p)) (local.get $kv)))
        (v128.store offset=48 (local.get $p) (v128.xor (v128.load offset=48 (local.get $p)) (local.get $kv)))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $l64)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $p) (v128.xor (v128.load (local.get $p)) (local.get $kv)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $l))))
)
