import inquirer from 'inquirer';

/**
 * Questions go to stderr, so `--json > file` still shows them. Only asked when a person can answer:
 * stdin and stderr are terminals.
 */
const ask = inquirer.createPromptModule({ output: process.stderr });

export const canConfirm = () => Boolean(process.stdin.isTTY && process.stderr.isTTY);

export async function confirm(message: string): Promise<boolean> {
  const { ok } = await ask<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message, default: false }]);
  return ok;
}
