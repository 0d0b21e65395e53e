// Local keys for real chains (prover/chain/keys.ts): a key file must hold a hex key and be
// private; an encrypted keystore needs its password and a wrong one is refused by name; a chain
// connection with a local key signs in this process and its transactions land.
import { expect } from "chai";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { encryptKeystoreJsonSync, parseEther, Wallet } from "ethers";
import { connectChain } from "../../../prover/chain/chain-connection.js";
import { createKeystore, KeyError, loadKey } from "../../../prover/chain/keys.js";
import { expectRejection } from "../../helpers/reject.js";

const dir = () => mkdtempSync(path.join(os.tmpdir(), "assay-keys-"));
const POSIX = os.platform() !== "win32";
const KEY = "0x" + "5a".repeat(32);

function keyFile(d: string, text: string, mode = 0o600): string {
  const f = path.join(d, "operator.key");
  writeFileSync(f, text, { mode });
  chmodSync(f, mode);
  return f;
}

/** A keystore with cheap scrypt parameters (the format's own; loadKey reads them from the file). */
function quickKeystore(d: string, password: string): string {
  const f = path.join(d, "keystore.json");
  const w = new Wallet(KEY);
  writeFileSync(f, encryptKeystoreJsonSync({ address: w.address, privateKey: KEY }, password, { scrypt: { N: 1024 } }));
  return f;
}

describe("chain: local keys (--keystore, --key-file)", function () {
  it("a key file holds a hex key (with or without 0x), readable only by its owner", async function () {
    const d = dir();
    expect((await loadKey({ keyFile: keyFile(d, `${KEY}\n`) }))!.address).to.equal(new Wallet(KEY).address);
    expect((await loadKey({ keyFile: keyFile(d, KEY.slice(2)) }))!.privateKey).to.equal(KEY);
    await expectRejection(loadKey({ keyFile: keyFile(d, "0x1234") }), KeyError, /does not hold a 32-byte hex/);
    await expectRejection(loadKey({ keyFile: path.join(d, "missing") }), KeyError, /does not exist/);
    if (POSIX) await expectRejection(loadKey({ keyFile: keyFile(d, KEY, 0o644) }), KeyError, /chmod 600/);
    expect(await loadKey({})).to.equal(undefined);
    await expectRejection(loadKey({ keyFile: "a", keystore: "b" }), KeyError, /not both/);
  });

  it("a keystore opens with its password (file or environment); a wrong or missing one is refused", async () => {
    const d = dir();
    const ks = quickKeystore(d, "correct horse");
    const pw = keyFile(d, "correct horse\n");
    expect((await loadKey({ keystore: ks, passwordFile: pw }))!.privateKey).to.equal(KEY);
    const env = { ASSAY_KEYSTORE_PASSWORD: "correct horse" };
    expect((await loadKey({ keystore: ks }, { env }))!.privateKey).to.equal(KEY);
    await expectRejection(
      loadKey({ keystore: ks }, { env: { ASSAY_KEYSTORE_PASSWORD: "battery staple" } }),
      KeyError,
      /wrong password for keystore/,
    );
    await expectRejection(loadKey({ keystore: ks }, { env: {} }), KeyError, /needs its password/);
    writeFileSync(path.join(d, "junk.json"), "{not json");
    await expectRejection(
      loadKey({ keystore: path.join(d, "junk.json") }, { env }),
      KeyError,
      /cannot be read as JSON/,
    );
  });

  it("createKeystore writes a new encrypted key, 0600, and never overwrites one", async () => {
    const d = dir();
    const file = path.join(d, "new.json");
    const address = await createKeystore(file, "a long password");
    const back = await loadKey({ keystore: file }, { env: { ASSAY_KEYSTORE_PASSWORD: "a long password" } });
    expect(back!.address).to.equal(address);
    await expectRejection(createKeystore(file, "a long password"), KeyError, /not overwriting/);
    await expectRejection(createKeystore(path.join(d, "b.json"), "short"), KeyError, /at least 8/);
  });

  it("a connection with a local key signs in this process; its transaction lands", async () => {
    const d = dir();
    const conn = await connectChain({ keyFile: keyFile(d, KEY) });
    try {
      expect([conn.localKey, conn.signer.address]).to.deep.equal([true, new Wallet(KEY).address]);
      const [funder] = await conn.ethers.getSigners();
      await (await funder.sendTransaction({ to: conn.signer.address, value: parseEther("1") })).wait();
      const tx = await conn.signer.sendTransaction({ to: funder.address, value: parseEther("0.5") });
      const receipt = await tx.wait();
      expect(receipt!.from).to.equal(conn.signer.address);
      await expectRejection(connectChain({ keyFile: keyFile(d, KEY), account: "1" }), Error, /not both/);
    } finally {
      await conn.close();
    }
  });
});
