import { expect } from 'chai';
import { requireOpenSearch } from '../support/opensearch.js';

// The engine the search backend is built on (issue 23): whatever test/support/opensearch.ts finds
// or starts must be a healthy cluster with the analyzers the catalog's mapping uses and atomic alias
// swaps, which a reindex without downtime relies on.

interface Analyzed {
  tokens: { token: string }[];
}

describe('search engine: the OpenSearch node the tests and CI use', () => {
  let url: string;
  // Per process: two runs against one engine (a developer's and CI's) never touch each other's indices.
  const prefix = `shop-engine-test-${process.pid}`;
  const alias = `${prefix}-products`;

  async function call<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, json: (await res.json()) as T };
  }

  const tokens = async (body: unknown) => {
    const { status, json } = await call<Analyzed>('POST', '/_analyze', body);
    expect(status, JSON.stringify(json)).to.equal(200);
    return json.tokens.map((t) => t.token);
  };

  before(async function () {
    url = await requireOpenSearch(this);
  });

  after(async () => {
    if (url) await fetch(`${url}/${prefix}-*`, { method: 'DELETE' }).catch(() => {});
  });

  it('answers cluster health green or yellow', async () => {
    const { status, json } = await call<{ status: string; number_of_nodes: number }>(
      'GET',
      '/_cluster/health?wait_for_status=yellow&timeout=30s',
    );
    expect(status).to.equal(200);
    expect(json.status).to.be.oneOf(['green', 'yellow']);
    expect(json.number_of_nodes).to.be.at.least(1);
  });

  it('has the edge_ngram tokenizer and filter (prefixes for search-as-you-type)', async () => {
    expect(
      await tokens({
        tokenizer: { type: 'edge_ngram', min_gram: 2, max_gram: 4, token_chars: ['letter'] },
        filter: ['lowercase'],
        text: 'Studio',
      }),
    ).to.deep.equal(['st', 'stu', 'stud']);
    expect(
      await tokens({
        tokenizer: 'standard',
        filter: ['lowercase', { type: 'edge_ngram', min_gram: 3, max_gram: 5 }],
        text: 'Brushless',
      }),
    ).to.deep.equal(['bru', 'brus', 'brush']);
  });

  it('has the synonym_graph and synonym filters with inline synonyms', async () => {
    const synonyms = ['tv, television', 'headphones, earphones'];
    expect(
      await tokens({
        tokenizer: 'standard',
        filter: ['lowercase', { type: 'synonym_graph', synonyms }],
        text: 'Smart TV',
      }),
    ).to.include.members(['smart', 'tv', 'television']);
    expect(
      await tokens({
        tokenizer: 'standard',
        filter: ['lowercase', { type: 'synonym', synonyms }],
        text: 'earphones',
      }),
    ).to.include.members(['earphones', 'headphones']);
  });

  it('swaps an alias from one index to another in one atomic _aliases call', async function () {
    // Two index creations wait for their shards: seconds on a busy machine.
    this.timeout(60_000);
    for (const [version, name] of [
      ['v1', 'Studio Headphones'],
      ['v2', 'Studio Headphones Pro'],
    ] as const) {
      const index = `${prefix}-${version}`;
      const created = await call('PUT', `/${index}`, {
        settings: { number_of_shards: 1, number_of_replicas: 0 },
        mappings: { properties: { name: { type: 'text' } } },
      });
      expect(created.status, JSON.stringify(created.json)).to.equal(200);
      const indexed = await call('PUT', `/${index}/_doc/1?refresh=true`, { name });
      expect(indexed.status, JSON.stringify(indexed.json)).to.equal(201);
    }
    const add = await call('POST', '/_aliases', { actions: [{ add: { index: `${prefix}-v1`, alias } }] });
    expect(add.status).to.equal(200);

    const swap = await call('POST', '/_aliases', {
      actions: [{ remove: { index: `${prefix}-v1`, alias } }, { add: { index: `${prefix}-v2`, alias } }],
    });
    expect(swap.status, JSON.stringify(swap.json)).to.equal(200);

    const holders = await call<Record<string, unknown>>('GET', `/_alias/${alias}`);
    expect(Object.keys(holders.json)).to.deep.equal([`${prefix}-v2`]);
    const found = await call<{ hits: { hits: { _index: string; _source: { name: string } }[] } }>(
      'POST',
      `/${alias}/_search`,
      { query: { match: { name: 'studio' } } },
    );
    expect(found.json.hits.hits.map((h) => [h._index, h._source.name])).to.deep.equal([
      [`${prefix}-v2`, 'Studio Headphones Pro'],
    ]);
  });
});
