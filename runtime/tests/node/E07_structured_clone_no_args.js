// E7: structuredClone() with no argument -> TypeError ERR_MISSING_ARGS.
function attempt(label, fn) {
  try {
    const r = fn();
    console.log(label, 'returned', String(r));
  } catch (e) {
    console.log(label, 'threw', e.name, String(e.code), e.message);
  }
}
attempt('structuredClone()', () => structuredClone());
attempt('structuredClone(undefined)', () => structuredClone(undefined));

/* expect:
structuredClone() threw TypeError ERR_MISSING_ARGS The value argument must be specified
structuredClone(undefined) returned undefined
*/
// expect-exit: 0
