import type { createPromptModule } from 'inquirer';
import { inert } from './format.js';

/*
 * Every question shopctl asks (a command's confirmation, the menu's) goes through this file.
 * Questions go to stderr, so `--json > file` still shows them. Inquirer is loaded on the first
 * question: a scripted run never asks one and need not pay its start-up time. What a question
 * shows (its text, its choices, why an answer was refused) is made inert like every report.
 */

type Prompt = ReturnType<typeof createPromptModule>;
let loaded: Promise<Prompt> | undefined;
const prompt = () => {
  loaded ??= import('inquirer').then(({ default: inquirer }) =>
    inquirer.createPromptModule({ output: process.stderr }),
  );
  return loaded;
};

/** A person can answer: stdin and stderr (where the questions go) are terminals. */
export const canPrompt = () => Boolean(process.stdin.isTTY && process.stderr.isTTY);

/** Asks until `parse` accepts the answer (showing its error's message) and answers what it made of it. */
export async function ask<T>(message: string, parse: (raw: string) => T): Promise<T> {
  const validate = (raw: string) => {
    try {
      parse(raw);
      return true;
    } catch (err) {
      return inert((err as Error).message);
    }
  };
  const { value } = await (await prompt())<{ value: string }>([
    { type: 'input', name: 'value', message: inert(message), validate },
  ]);
  return parse(value);
}

/** A yes/no question; no unless answered yes. */
export async function confirm(message: string): Promise<boolean> {
  const { ok } = await (await prompt())<{ ok: boolean }>([
    { type: 'confirm', name: 'ok', message: inert(message), default: false },
  ]);
  return ok;
}

/** One of a list, by its value. */
export async function choose(message: string, choices: { value: string; name: string }[]): Promise<string> {
  const { choice } = await (await prompt())<{ choice: string }>([
    {
      type: 'select',
      name: 'choice',
      message: inert(message),
      choices: choices.map((c) => ({ ...c, name: inert(c.name) })),
    },
  ]);
  return choice;
}

/** A text answer that must not be blank, trimmed. */
export const text = (field: string) => (raw: string) => {
  const value = raw.trim();
  if (!value) throw new Error(`${field} is required`);
  return value;
};
