import { expect } from 'chai';
import { type LintResult, lintDocument } from '../../scripts/openapi-document.js';
import { createApiSpec } from '../../src/openapi/document.js';

const report = (results: LintResult[]) =>
  results.map(({ linter, output }) => `── ${linter}\n${output}`).join('\n');

describe('API document: Redocly and Spectral find no error (npm run spec:lint)', function () {
  // Both CLIs together take 2-3 s on an idle machine; the rest is headroom for a busy one.
  this.timeout(30_000);

  it("the service's document passes redocly.yaml and .spectral.yaml", async () => {
    const results = await lintDocument();
    expect(
      results.filter((r) => !r.ok).map((r) => r.linter),
      report(results),
    ).to.deep.equal([]);
  });

  it('a document with an error fails both', async () => {
    const document = structuredClone(createApiSpec({ cart: { maxQuantity: 99 } }).document()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    document.paths['/categories']!.get!.responses['200'] = {
      description: 'Every category',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/NoSuchSchema' } } },
    };
    const results = await lintDocument(document);
    expect(
      results.filter((r) => r.ok).map((r) => r.linter),
      report(results),
    ).to.deep.equal([]);
    // Failed on the broken reference, not on a crash of their own.
    const rule = { redocly: 'no-unresolved-refs', spectral: 'invalid-ref' };
    for (const { linter, output } of results) expect(output).to.match(new RegExp(`error +${rule[linter]}`));
  });
});
