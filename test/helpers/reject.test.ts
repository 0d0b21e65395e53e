// The rejection helpers fail the test unless the expected error is thrown: nothing thrown, another
// class, a non-Error value or a message that does not match are all assertion failures.
import { AssertionError, expect } from "chai";
import { expectRejection, expectThrow } from "./reject.js";

class FieldError extends Error {
  constructor(readonly field: string) {
    super(`bad field ${field}`);
    this.name = "FieldError";
  }
}

/** The AssertionError a helper call fails with (the helpers cannot test themselves). */
async function assertionOf(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (err) {
    expect(err).to.be.instanceOf(AssertionError);
    return err as Error;
  }
  throw new Error("the helper passed although it should have failed");
}

describe("test helpers: expectRejection / expectThrow", () => {
  it("return the error, typed, for its fields", async () => {
    const rejected = await expectRejection(Promise.reject(new FieldError("salt")), FieldError);
    expect(rejected.field).to.equal("salt");
    const fromFn = await expectRejection(
      async () => {
        throw new FieldError("x");
      },
      FieldError,
      /field x$/,
    );
    expect(fromFn.field).to.equal("x");
    const syncInFn = await expectRejection(() => {
      throw new FieldError("y");
    }, "bad field");
    expect(syncInFn).to.be.instanceOf(FieldError);
    expect(expectThrow(() => JSON.parse("{"), SyntaxError)).to.be.instanceOf(SyntaxError);
  });

  it("fail when nothing is thrown", async () => {
    const resolved = await assertionOf(() => expectRejection(Promise.resolve([1, 2]), FieldError));
    expect(resolved.message).to.equal("expected FieldError, but nothing was thrown (it produced an array of 2)");
    const returned = await assertionOf(() => expectThrow(() => 5n));
    expect(returned.message).to.equal("expected an error, but nothing was thrown (it produced 5n)");
  });

  it("fail on another class, a thrown non-Error, or a message that does not match", async () => {
    const other = await assertionOf(() => expectRejection(Promise.reject(new RangeError("r")), FieldError));
    expect(other.message).to.equal("expected FieldError, got RangeError: r");
    const notError = await assertionOf(() =>
      expectThrow(() => {
        throw "text";
      }),
    );
    expect(notError.message).to.equal("expected an error, got string text");
    const message = await assertionOf(() => expectThrow(() => JSON.parse("{"), SyntaxError, "nothing like it"));
    expect(message.message).to.match(/^expected SyntaxError with a message matching nothing like it, got SyntaxError/);
  });

  it("expectThrow refuses a function that returns a promise (a rejection it cannot see)", async () => {
    const err = await assertionOf(() => expectThrow(() => Promise.reject(new FieldError("late"))));
    expect(err.message).to.match(/returned a promise; use expectRejection/);
  });
});
