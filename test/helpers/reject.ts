// Asserting failures: each helper fails the test when nothing is thrown, when something of
// another class is thrown, or when the message does not match, and returns the error so the
// test can assert its fields (`expect(err.field).to.equal(...)`).
//
//   const err = await expectRejection(resolvePtau({ ... }), PtauTooSmallError);
//   const err = await expectRejection(() => client.call(x), ClientError, /timed out/);
//   const err = expectThrow(() => parse(bytes), FormatError, "truncated");
//
// A string message must occur in the error's message; a RegExp must match it.
import { AssertionError } from "chai";

/** An error class (abstract classes and classes with any constructor arguments included). */
export type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;
export type MessagePattern = string | RegExp;

const NOTHING_THROWN = Symbol("nothing thrown");

/** Awaits `subject` (a promise, or a function that throws or returns a promise) and returns what it rejects with. */
export async function expectRejection<E extends Error>(
  subject: Promise<unknown> | (() => unknown),
  type: ErrorClass<E>,
  message?: MessagePattern,
): Promise<E>;
export async function expectRejection(
  subject: Promise<unknown> | (() => unknown),
  message?: MessagePattern,
): Promise<Error>;
export async function expectRejection(
  subject: Promise<unknown> | (() => unknown),
  typeOrMessage?: ErrorClass<Error> | MessagePattern,
  message?: MessagePattern,
): Promise<Error> {
  let caught: unknown = NOTHING_THROWN;
  let value: unknown;
  try {
    value = await (typeof subject === "function" ? subject() : subject);
  } catch (err) {
    caught = err;
  }
  return checkFailure(caught, value, typeOrMessage, message);
}

/** Calls `fn`, which must throw synchronously, and returns what it throws. */
export function expectThrow<E extends Error>(fn: () => unknown, type: ErrorClass<E>, message?: MessagePattern): E;
export function expectThrow(fn: () => unknown, message?: MessagePattern): Error;
export function expectThrow(
  fn: () => unknown,
  typeOrMessage?: ErrorClass<Error> | MessagePattern,
  message?: MessagePattern,
): Error {
  let caught: unknown = NOTHING_THROWN;
  let value: unknown;
  try {
    value = fn();
  } catch (err) {
    caught = err;
  }
  if (value instanceof Promise) {
    value.catch(() => undefined);
    throw new AssertionError("expectThrow: the function returned a promise; use expectRejection");
  }
  return checkFailure(caught, value, typeOrMessage, message);
}

function describeThrown(x: unknown): string {
  return x instanceof Error ? `${x.name}: ${x.message}` : `${typeof x} ${String(x)}`;
}

function checkFailure(
  caught: unknown,
  value: unknown,
  typeOrMessage: ErrorClass<Error> | MessagePattern | undefined,
  pattern: MessagePattern | undefined,
): Error {
  const type = typeof typeOrMessage === "function" ? typeOrMessage : undefined;
  const message = type ? pattern : (typeOrMessage as MessagePattern | undefined);
  const wanted = type ? type.name : "an error";
  if (caught === NOTHING_THROWN) {
    const got = value === undefined ? "" : ` (it produced ${describeValue(value)})`;
    throw new AssertionError(`expected ${wanted}, but nothing was thrown${got}`);
  }
  if (!(caught instanceof Error) || (type && !(caught instanceof type))) {
    throw new AssertionError(`expected ${wanted}, got ${describeThrown(caught)}`);
  }
  if (message !== undefined) {
    const ok = typeof message === "string" ? caught.message.includes(message) : message.test(caught.message);
    if (!ok)
      throw new AssertionError(
        `expected ${wanted} with a message matching ${String(message)}, got ${describeThrown(caught)}`,
      );
  }
  return caught;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "bigint") return `${value}n`;
  if (value !== null && typeof value === "object") return `a ${value.constructor?.name ?? "null-prototype"} object`;
  return String(value);
}
