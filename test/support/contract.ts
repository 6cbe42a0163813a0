import type supertest from 'supertest';
import type { Contract } from '../../src/openapi/contract.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'del', 'head', 'options'] as const;

/** Raised when an answer is not what the API document says; the test that received it fails. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/**
 * Checks one request's answer against the document once it arrives. Appended when the request is
 * sent, so the test's own expectations (a status, a body) are reported first when they fail.
 */
export function checkAgainst(test: supertest.Test, contract: Contract): supertest.Test {
  const end = test.end.bind(test);
  test.end = (callback) => {
    test.expect((res) => {
      const problems = contract.check({
        method: test.method,
        path: new URL(test.url).pathname,
        status: res.status,
        headers: res.headers as Record<string, string | string[] | undefined>,
        body: res.body,
        text: typeof res.text === 'string' ? res.text : undefined,
      });
      if (problems.length) {
        throw new ContractViolation(`The answer breaks the API document:\n  ${problems.join('\n  ')}`);
      }
    });
    return end(callback);
  };
  return test;
}

/** A supertest agent whose every answer is checked against the API document. */
export function checkedAgent(agent: supertest.Agent, contract: Contract): supertest.Agent {
  const methods = agent as unknown as Record<
    (typeof METHODS)[number],
    (...args: unknown[]) => supertest.Test
  >;
  for (const method of METHODS) {
    const make = methods[method].bind(agent);
    methods[method] = (...args) => checkAgainst(make(...args), contract);
  }
  return agent;
}
