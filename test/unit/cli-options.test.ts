import { expect } from 'chai';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import {
  age,
  amountInCents,
  fraction,
  nonNegativeInteger,
  orWord,
  percentChange,
  positiveInteger,
  readWholeNumber,
  shareOrNone,
  signedInteger,
} from '../../cli/options.js';

const refuses = (parse: (raw: string) => unknown, raw: string, message: RegExp | string) =>
  expect(() => parse(raw), JSON.stringify(raw))
    .to.throw(InvalidArgumentError)
    .with.property('message')
    .that.matches(
      typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?()[\]]/g, '\\$&')}$`) : message,
    );

describe('shopctl option parsers', () => {
  it('fraction takes a share in (0, 1]; shareOrNone also takes 0 (the archive holding through a sale)', () => {
    expect(fraction('0.25')).to.equal(0.25);
    expect(fraction('1')).to.equal(1);
    for (const raw of ['0', '0.0', '', '1.5', '-0.5', '.0001', 'half', '1e-1']) {
      refuses(fraction, raw, 'Expected a share from 0.001 to 1, such as 0.25.');
    }
    for (const raw of ['0', '0.0', '.000', ' 0 ']) expect(shareOrNone(raw), raw).to.equal(0);
    expect(shareOrNone('0.05')).to.equal(0.05);
    expect(shareOrNone('1')).to.equal(1);
    for (const raw of ['', '0.', '1.5', '-0', '-0.05', '.0001', 'none', '1e-1']) {
      refuses(shareOrNone, raw, 'Expected 0 or a share up to 1, such as 0.05.');
    }
  });

  it('readWholeNumber takes plain digits only (a sign when asked), never what Number() would guess', () => {
    expect(readWholeNumber('12')).to.equal(12);
    expect(readWholeNumber(' 7 ')).to.equal(7);
    expect(readWholeNumber('007')).to.equal(7);
    expect(readWholeNumber('999999999')).to.equal(999_999_999);
    for (const raw of [
      '',
      ' ',
      '-1',
      '+1',
      '1.0',
      '2.5',
      '1e3',
      '0x10',
      '1_000',
      '12abc',
      'Infinity',
      '1000000000',
    ])
      expect(readWholeNumber(raw), raw).to.equal(undefined);
    expect(readWholeNumber('-3', { signed: true })).to.equal(-3);
    expect(readWholeNumber('+5', { signed: true })).to.equal(5);
    expect(readWholeNumber('+-5', { signed: true })).to.equal(undefined);
  });

  it('nonNegativeInteger and positiveInteger, with and without an upper bound', () => {
    expect(nonNegativeInteger()('0')).to.equal(0);
    expect(nonNegativeInteger()('10000')).to.equal(10_000);
    refuses(nonNegativeInteger(), '-1', 'Expected a whole number ≥ 0.');
    refuses(nonNegativeInteger(), 'ten', 'Expected a whole number ≥ 0.');
    expect(nonNegativeInteger(1_000_000)('1000000')).to.equal(1_000_000);
    refuses(nonNegativeInteger(1_000_000), '1000001', 'Expected a whole number from 0 to 1000000.');

    expect(positiveInteger()('1')).to.equal(1);
    refuses(positiveInteger(), '0', 'Expected a whole number ≥ 1.');
    refuses(positiveInteger(), '2.5', 'Expected a whole number ≥ 1.');
    expect(positiveInteger(50)('50')).to.equal(50);
    refuses(positiveInteger(50), '51', 'Expected a whole number from 1 to 50.');
    refuses(positiveInteger(1_000), '', 'Expected a whole number from 1 to 1000.');
  });

  it('signedInteger takes a change either way (zero is the command’s rule, not the parser’s)', () => {
    expect(signedInteger('+24')).to.equal(24);
    expect(signedInteger('-2')).to.equal(-2);
    expect(signedInteger('3')).to.equal(3);
    expect(signedInteger('0')).to.equal(0);
    for (const raw of ['', '-', '1.5', '--2', 'five', '1e2'])
      refuses(signedInteger, raw, 'Expected a whole number such as +5 or -3.');
  });

  it('orWord: a word for "none" (null), else the number parser, its message naming the word', () => {
    const max = orWord('none', positiveInteger(10_000));
    expect(max('none')).to.equal(null);
    expect(max('2')).to.equal(2);
    refuses(max, '0', 'Expected a whole number from 1 to 10000, or "none".');
    refuses(max, 'None', 'Expected a whole number from 1 to 10000, or "none".');
    const threshold = orWord('default', nonNegativeInteger(1_000_000));
    expect(threshold('default')).to.equal(null);
    expect(threshold('0')).to.equal(0);
  });

  it('amountInCents reads money by the one money grammar', () => {
    expect(amountInCents('12.99')).to.equal(1299);
    expect(amountInCents('19')).to.equal(1900);
    expect(amountInCents('0.5')).to.equal(50);
    expect(amountInCents('0')).to.equal(0);
    for (const raw of ['12.999', '-1', '1,50', '$5', '', 'free', '1e2'])
      refuses(amountInCents, raw, 'Expected an amount such as 12.99 (at most two decimals).');
  });

  it('percentChange and age', () => {
    expect(percentChange('-10')).to.equal(-10);
    expect(percentChange('7.5')).to.equal(7.5);
    expect(percentChange('+12.25')).to.equal(12.25);
    for (const raw of ['ten', '10%', '1.234', '12345', ''])
      refuses(percentChange, raw, 'Expected a number such as -10 or 7.5.');

    expect(age('30d')).to.deep.equal({ text: '30d', ms: 30 * 86_400_000 });
    expect(age('12h').ms).to.equal(12 * 3_600_000);
    expect(age('90m').ms).to.equal(90 * 60_000);
    for (const raw of ['0d', '30', '1w', '-1d', '1.5h', ''])
      refuses(age, raw, 'Expected an age such as 30d, 12h or 90m.');
  });

  it('in commander: the flag and the value are named, the action never runs, the error is a usage error', async () => {
    let ran = false;
    const errors: string[] = [];
    const program = new Command()
      .exitOverride()
      .configureOutput({ writeErr: (s) => errors.push(s), writeOut: () => {} });
    program
      .command('list')
      .option('--limit <n>', 'at most this many', positiveInteger(1_000), 50)
      .argument('[delta]', 'a change', signedInteger)
      .action(() => {
        ran = true;
      });
    const parsed = await program.parseAsync(['node', 'shopctl', 'list', '-3', '--limit', '7']);
    expect(parsed.commands[0]!.opts()).to.deep.equal({ limit: 7 });
    expect(parsed.commands[0]!.processedArgs).to.deep.equal([-3]);
    expect(ran).to.equal(true);

    ran = false;
    const failure = await program.parseAsync(['node', 'shopctl', 'list', '--limit', '0']).catch((e) => e);
    expect(failure).to.be.instanceOf(CommanderError).with.property('code', 'commander.invalidArgument');
    expect(ran).to.equal(false);
    expect(errors.join('')).to.equal(
      "error: option '--limit <n>' argument '0' is invalid. Expected a whole number from 1 to 1000.\n",
    );
  });
});
