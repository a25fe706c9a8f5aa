// A fixed pseudo-random sequence (xorshift64) for the vector generators, so every generated file
// is the same on every run and machine.
/** Returns `rand(bound)`: the next value of the sequence started at `seed`, reduced below `bound`. */
export function sequence(seed) {
  let s = seed;
  return (bound) => {
    s ^= s << 13n;
    s &= (1n << 64n) - 1n;
    s ^= s >> 7n;
    s ^= s << 17n;
    s &= (1n << 64n) - 1n;
    return s % bound;
  };
}
