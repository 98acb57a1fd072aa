// A test reporter for Node's runner (used by scripts/run-tests.mjs next to the spec reporter) that
// writes one JSON line per skipped test or suite: its name, file and reason. run-tests.mjs reads
// them to fail a run with REQUIRE_SYSTEM_TOOLS=1 that skipped anything, whatever the reason.
export default async function* skippedTestsReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    if (event.data.skip === undefined || event.data.skip === false) continue
    yield `${JSON.stringify({ name: event.data.name, file: event.data.file, reason: event.data.skip === true ? '' : String(event.data.skip) })}\n`
  }
}
