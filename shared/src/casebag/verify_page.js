"use strict";
// fieldcase disc self-check (docs/disc.md, "The page checks itself").
// Runs in the browser with nothing installed and no network: WebCrypto
// SHA-256 and Ed25519, BLAKE2b-512 below for the minisign seal. It checks
// what fieldcase-verify checks on one disc and names each problem with the
// same category. It trusts only the key whose fingerprint the reader types
// from the disc label, never a key because the disc carries it.
(function () {
  const RECORDS = "data/records/", CHAINS = "data/chains/", CERTS = "data/certs/";
  const EVIDENCE = "data/evidence/", THUMBS = "data/thumbs/", DOCS = "data/documents/";
  const MANIFEST = "manifest-sha256.txt", TAGMANIFEST = "tagmanifest-sha256.txt";
  const SEAL = "tagmanifest-sha256.txt.minisig", BAG_INFO = "bag-info.txt";
  const CASE = "data/case.json", CHAIN = "data/chain.json", SET = "data/set.json";
  const KEY = "data/device-key.txt", KEY_PUB = "data/device-key.pub", CERT = "data/device-cert.json";
  const AGENCY = "data/agency-key.txt", AGENCY_PUB = "data/agency-key.pub";
  const RECORD_TYPE = "application/vnd.fieldcase.record+json;version=1";
  const CERT_TYPE = "application/vnd.fieldcase.device-cert+json;version=1";
  const MAX_RECORD = 1 << 20, MAX_META = 8 << 20, MAX_TAG = 1 << 20, MAX_MANIFEST = 8 << 20;
  // Files up to ONE_SHOT bytes are read whole and hashed by WebCrypto
  // (native, fast), two at a time while together under ONE_SHOT; larger
  // ones in slices by the SHA-256 below, so no file has to fit in memory.
  // An eighth of the memory the browser reports, 256 MiB to 2 GiB.
  const MIB = 1048576;
  const ONE_SHOT = Math.min(2048, Math.max(256, (navigator.deviceMemory || 8) * 128)) * MIB;
  const MAX_LISTED = 1000;

  const te = new TextEncoder();
  const td = new TextDecoder("utf-8");
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  function unhex(s) {
    if (!/^([0-9a-f]{2})*$/.test(s)) return null;
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }
  function unb64(s) {
    try {
      return Uint8Array.from(atob(s.trim()), (c) => c.charCodeAt(0));
    } catch (e) {
      return null;
    }
  }
  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const lines = (text) => {
    const ls = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
    if (ls.length && ls[ls.length - 1] === "") ls.pop();
    return ls;
  };
  const isDigest = (s) => typeof s === "string" && /^[0-9a-f]{64}$/.test(s);
  const isDevice = (s) => typeof s === "string" && /^[0-9a-f]{32}$/.test(s);

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  // SHA-256 (FIPS 180-4) over slices, for files above ONE_SHOT.
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  class Sha256 {
    constructor() {
      this.h = new Uint32Array([
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
      ]);
      this.w = new Uint32Array(64);
      this.buf = new Uint8Array(64);
      this.fill = 0;
      this.len = 0;
    }
    block(b, at) {
      const w = this.w, h = this.h;
      for (let i = 0; i < 16; i++) {
        const j = at + 4 * i;
        w[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
      }
      for (let i = 16; i < 64; i++) {
        const x = w[i - 15], y = w[i - 2];
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, bb, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const t1 = (hh + S1 + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += bb; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    update(data) {
      let i = 0;
      this.len += data.length;
      if (this.fill) {
        while (i < data.length && this.fill < 64) this.buf[this.fill++] = data[i++];
        if (this.fill < 64) return;
        this.block(this.buf, 0);
        this.fill = 0;
      }
      for (; i + 64 <= data.length; i += 64) this.block(data, i);
      while (i < data.length) this.buf[this.fill++] = data[i++];
    }
    digest() {
      const bits = this.len * 8;
      const pad = new Uint8Array(((this.fill < 56 ? 56 : 120) - this.fill) + 8);
      pad[0] = 0x80;
      const n = pad.length;
      for (let i = 0; i < 8; i++) pad[n - 1 - i] = Math.floor(bits / 2 ** (8 * i)) & 0xff;
      this.update(pad);
      const out = new Uint8Array(32);
      this.h.forEach((v, i) => {
        out[4 * i] = v >>> 24; out[4 * i + 1] = v >>> 16; out[4 * i + 2] = v >>> 8; out[4 * i + 3] = v;
      });
      return out;
    }
  }

  // BLAKE2b-512 (RFC 7693), for the minisign seal's prehash of the tag
  // manifest (a small file: BigInt arithmetic is fast enough).
  function blake2b512(input) {
    const M = (1n << 64n) - 1n;
    const IV = [
      0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
      0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
    ];
    const SIGMA = [
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
      [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
      [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
      [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
      [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
      [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
      [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
      [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
      [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
      [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ];
    const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & M;
    const h = IV.slice();
    h[0] ^= 0x01010000n ^ 64n;
    const blocks = Math.max(1, Math.ceil(input.length / 128));
    for (let b = 0; b < blocks; b++) {
      const chunk = new Uint8Array(128);
      chunk.set(input.subarray(b * 128, b * 128 + 128));
      const m = [];
      for (let i = 0; i < 16; i++) {
        let w = 0n;
        for (let j = 7; j >= 0; j--) w = (w << 8n) | BigInt(chunk[8 * i + j]);
        m.push(w);
      }
      const last = b === blocks - 1;
      const t = BigInt(last ? input.length : (b + 1) * 128);
      const v = h.concat(IV);
      v[12] ^= t & M;
      v[13] ^= t >> 64n;
      if (last) v[14] ^= M;
      const G = (a, bb, c, d, x, y) => {
        v[a] = (v[a] + v[bb] + x) & M; v[d] = rotr(v[d] ^ v[a], 32n);
        v[c] = (v[c] + v[d]) & M; v[bb] = rotr(v[bb] ^ v[c], 24n);
        v[a] = (v[a] + v[bb] + y) & M; v[d] = rotr(v[d] ^ v[a], 16n);
        v[c] = (v[c] + v[d]) & M; v[bb] = rotr(v[bb] ^ v[c], 63n);
      };
      for (let r = 0; r < 12; r++) {
        const s = SIGMA[r % 10];
        G(0, 4, 8, 12, m[s[0]], m[s[1]]); G(1, 5, 9, 13, m[s[2]], m[s[3]]);
        G(2, 6, 10, 14, m[s[4]], m[s[5]]); G(3, 7, 11, 15, m[s[6]], m[s[7]]);
        G(0, 5, 10, 15, m[s[8]], m[s[9]]); G(1, 6, 11, 12, m[s[10]], m[s[11]]);
        G(2, 7, 8, 13, m[s[12]], m[s[13]]); G(3, 4, 9, 14, m[s[14]], m[s[15]]);
      }
      for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
    }
    const out = new Uint8Array(64);
    h.forEach((w, i) => {
      for (let j = 0; j < 8; j++) out[8 * i + j] = Number((w >> BigInt(8 * j)) & 0xffn);
    });
    return out;
  }

  const keyCache = new Map();
  async function edVerify(pub, sig, msg) {
    try {
      const k = hex(pub);
      if (!keyCache.has(k)) {
        keyCache.set(k, await crypto.subtle.importKey("raw", pub, { name: "Ed25519" }, false, ["verify"]));
      }
      return await crypto.subtle.verify({ name: "Ed25519" }, keyCache.get(k), sig, msg);
    } catch (e) {
      return false;
    }
  }

  const deviceId = async (pub) => hex((await sha256(pub)).subarray(0, 16));
  // The fingerprint on the label: the first 16 bytes of SHA-256(key),
  // 32 hex digits in groups of four.
  const fingerprintOf = async (pub) => (await deviceId(pub)).match(/.{4}/g).join(" ");
  function parseKey(text) {
    const m = /^\s*(?:ed25519:)?([0-9a-f]{64})\s*$/.exec(text);
    return m ? unhex(m[1]) : null;
  }
  function pae(type, payload) {
    const t = te.encode(type);
    return concat(te.encode(`DSSEv1 ${t.length} `), t, te.encode(` ${payload.length} `), payload);
  }
  function u64be(n) {
    const out = new Uint8Array(8);
    let x = BigInt(n);
    for (let i = 7; i >= 0; i--) {
      out[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    return out;
  }
  const CHAIN_TAG = te.encode("fieldcase-chain-v1\0");
  const link = async (device, seq, prev, digest) =>
    hex(await sha256(concat(CHAIN_TAG, unhex(device), u64be(seq), unhex(prev), unhex(digest))));
  // An RFC 3339 time as [seconds since 1970, nanoseconds], to compare instants.
  function instant(s) {
    const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(s || "");
    if (!m) return null;
    let secs = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
    if (m[8] !== "Z") {
      const sign = m[8][0] === "-" ? -1 : 1;
      secs -= sign * (+m[8].slice(1, 3) * 3600 + +m[8].slice(4, 6) * 60);
    }
    return [secs, +((m[7] || "") + "000000000").slice(0, 9)];
  }
  const cmpInstant = (a, b) => {
    const x = instant(a) || [-Infinity, 0], y = instant(b) || [-Infinity, 0];
    return x[0] - y[0] || x[1] - y[1];
  };
  const sameInstant = (a, b) => instant(a) !== null && instant(b) !== null && cmpInstant(a, b) === 0;
  // JSON values equal regardless of member order.
  function sameJson(a, b) {
    if (a === b) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== null), kb = Object.keys(b).filter((k) => b[k] !== null);
    return ka.length === kb.length && ka.every((k) => sameJson(a[k], b[k]));
  }
  const printable = (s) =>
    String(s).replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);

  class Problems {
    constructor() {
      this.list = [];
      this.seen = new Set();
      this.notListed = {};
      this.count = 0;
    }
    add(path, category, expected, found) {
      path = printable(path);
      const key = path + "\u0000" + category;
      if (this.seen.has(key)) return;
      this.count++;
      if (this.list.length >= MAX_LISTED) {
        this.notListed[category] = (this.notListed[category] || 0) + 1;
        return;
      }
      this.seen.add(key);
      this.list.push({ path, category, expected: printable(expected), found: printable(found) });
    }
    has(path, category) {
      return this.seen.has(path + "\u0000" + category);
    }
  }

  const isTagFile = (p, size) =>
    p === MANIFEST
      ? size <= MAX_MANIFEST
      : ([ "bagit.txt", BAG_INFO, TAGMANIFEST ].includes(p) || p.endsWith(".minisig")) && !p.includes("/") && size <= MAX_TAG;
  const isSignerMeta = (p) =>
    [CASE, CHAIN, SET, KEY, KEY_PUB, CERT, AGENCY, AGENCY_PUB].includes(p) ||
    [CHAINS, CERTS].some((d) => p.startsWith(d) && !p.slice(d.length).includes("/") && p.endsWith(".json"));
  const readingLimit = (p) =>
    p.startsWith(RECORDS) ? MAX_RECORD : isSignerMeta(p) ? MAX_META : isTagFile(p, 0) ? (p === MANIFEST ? MAX_MANIFEST : MAX_TAG) : -1;
  const validComponent = (n) => /^[a-z0-9][a-z0-9._-]{0,63}$/.test(n);

  // Reads every file once: parsed files kept, every file hashed.
  async function readAll(files, progress) {
    const entries = [...files.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
    const total = entries.reduce((n, e) => n + e[1].size, 0);
    const facts = new Map();
    let done = 0, next = 0, inflight = 0, wake = null;
    const moved = (n, path) => {
      done += n;
      progress(done, total, path);
    };
    async function one(path, file) {
      const f = { size: file.size, digest: null, content: null, error: null };
      const limit = readingLimit(path);
      if (file.size <= ONE_SHOT) {
        const bytes = new Uint8Array(await file.arrayBuffer());
        f.digest = hex(await sha256(bytes));
        if (limit >= 0 && bytes.length <= limit) f.content = bytes;
        moved(file.size, path);
      } else {
        const h = new Sha256();
        for (let at = 0; at < file.size; at += 16 * MIB) {
          const slice = new Uint8Array(await file.slice(at, at + 16 * MIB).arrayBuffer());
          h.update(slice);
          moved(slice.length, path);
        }
        f.digest = hex(h.digest());
      }
      return f;
    }
    async function worker() {
      while (next < entries.length) {
        const [path, file] = entries[next++];
        // Two files at once only while both fit in the budget together.
        const cost = Math.min(file.size, ONE_SHOT);
        while (inflight > 0 && inflight + cost > ONE_SHOT) await new Promise((r) => (wake = r));
        inflight += cost;
        try {
          facts.set(path, await one(path, file));
        } catch (e) {
          facts.set(path, { size: file.size, digest: null, content: null, error: `unreadable (${e.name || e})` });
        }
        inflight -= cost;
        if (wake) { const w = wake; wake = null; w(); }
      }
    }
    await Promise.all([worker(), worker()]);
    return new Map([...facts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
  }

  const text = (facts, p) => {
    const f = facts.get(p);
    return f && f.content ? td.decode(f.content) : null;
  };

  function parseManifest(name, body, problems) {
    const out = new Map();
    lines(body).forEach((line, i) => {
      const at = `${name} line ${i + 1}`;
      let cut = line.indexOf("  "), skip = 2;
      if (cut < 0) { cut = line.indexOf(" *"); skip = 2; }
      if (cut < 0) return problems.add(at, "BAD_LAYOUT", "`<sha256>  <path>`", line.slice(0, 100));
      const h = line.slice(0, cut), path = line.slice(cut + skip);
      if (!isDigest(h)) return problems.add(at, "BAD_LAYOUT", "64 lowercase hex digits", h.slice(0, 100));
      if (!path || path.startsWith("/") || path.split("/").some((c) => !c || c === "." || c === ".."))
        return problems.add(at, "BAD_LAYOUT", "a relative path inside the bag", path.slice(0, 100));
      if (out.has(path)) return problems.add(at, "BAD_LAYOUT", "each path listed once", `${path} listed again`);
      out.set(path, h);
    });
    return out;
  }

  // Fixity: bagit.txt, the payload and tag manifests, Payload-Oxum.
  function checkBag(facts, problems) {
    const complete = (p) => facts.has(p) && !facts.get(p).error;
    const bagit = text(facts, "bagit.txt");
    if (bagit === null) problems.add("bagit.txt", "MISSING", "bagit.txt", "no such file");
    else if (bagit !== "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
      problems.add("bagit.txt", "BAD_LAYOUT", "BagIt-Version: 1.0, UTF-8", bagit.slice(0, 100));
    if (facts.has("fetch.txt"))
      problems.add("fetch.txt", "BAD_LAYOUT", "no fetch.txt: a fieldcase bag holds every byte itself", "a fetch file");
    const payload = [...facts.keys()].filter((p) => p.startsWith("data/"));
    const folded = new Map();
    for (const p of payload) {
      if (!p.slice(5).split("/").every(validComponent))
        problems.add(p, "BAD_LAYOUT", "a payload name of parts [a-z0-9][a-z0-9._-]{0,63}", "a name outside the naming rule");
      const f = p.toLowerCase();
      if (folded.has(f)) problems.add(p, "BAD_LAYOUT", "payload names unique ignoring case", `the same name as ${folded.get(f)} ignoring case`);
      else folded.set(f, p);
      if (!complete(p)) problems.add(p, "MISSING", `${facts.get(p).size} bytes`, facts.get(p).error);
    }
    const mtext = text(facts, MANIFEST);
    if (mtext === null) problems.add(MANIFEST, "MISSING", "payload manifest", "no such file");
    const manifest = mtext === null ? new Map() : parseManifest(MANIFEST, mtext, problems);
    for (const [p, want] of manifest) {
      if (!p.startsWith("data/")) { problems.add(p, "BAD_LAYOUT", "payload under data/", "listed in the payload manifest"); continue; }
      if (!facts.has(p)) problems.add(p, "MISSING", want, "no such file");
      else if (complete(p) && facts.get(p).digest !== want) problems.add(p, "MODIFIED", want, facts.get(p).digest);
    }
    for (const p of payload)
      if (!manifest.has(p)) problems.add(p, "UNEXPECTED", "not in the bag", "a file not listed in manifest-sha256.txt");
    let tags = new Map();
    const ttext = text(facts, TAGMANIFEST);
    if (ttext === null) problems.add(TAGMANIFEST, "MISSING", "tag manifest", "no such file");
    else {
      tags = parseManifest(TAGMANIFEST, ttext, problems);
      for (const [p, want] of tags) {
        const f = facts.get(p);
        if (!f) problems.add(p, "MISSING", want, "no such file");
        else if (f.error) problems.add(p, "MISSING", want, f.error);
        else if (f.digest !== want) problems.add(p, "MODIFIED", want, f.digest);
      }
      for (const r of [MANIFEST, BAG_INFO, "bagit.txt"])
        if (!tags.has(r)) problems.add(TAGMANIFEST, "BAD_LAYOUT", `an entry for ${r}`, "none");
    }
    for (const p of facts.keys())
      if (!p.startsWith("data/") && !["bagit.txt", MANIFEST, TAGMANIFEST, SEAL].includes(p) && !tags.has(p))
        problems.add(p, "UNEXPECTED", "only tag files outside data/", "a file no manifest lists");
    const info = new Map();
    const itext = text(facts, BAG_INFO);
    if (itext === null) problems.add(BAG_INFO, "MISSING", "bag-info.txt", "no such file");
    else for (const l of lines(itext)) {
      const i = l.indexOf(": ");
      if (i >= 0 && !info.has(l.slice(0, i))) info.set(l.slice(0, i), l.slice(i + 2));
    }
    const oxum = `${payload.reduce((n, p) => n + facts.get(p).size, 0)}.${payload.length}`;
    const said = info.get("Payload-Oxum");
    if (said === undefined) problems.add(BAG_INFO, "BAD_LAYOUT", "a Payload-Oxum field", "none");
    else if (said !== oxum && problems.count === 0)
      problems.add(BAG_INFO, "MODIFIED", `Payload-Oxum ${oxum}`, `Payload-Oxum ${said}`);
    return { info };
  }

  function parseEnvelope(bytes) {
    let w;
    try {
      w = JSON.parse(td.decode(bytes));
    } catch (e) {
      return [null, `not a signed envelope: ${e.message}`];
    }
    const sigs = w && Array.isArray(w.signatures) ? w.signatures : [];
    if (typeof w.payloadType !== "string" || typeof w.payload !== "string" || sigs.length !== 1)
      return [null, "not a signed envelope: expected payloadType, payload and one signature"];
    const payload = unb64(w.payload), sig = unb64(sigs[0].sig || "");
    if (!payload || !sig || sig.length !== 64 || typeof sigs[0].keyid !== "string")
      return [null, "not a signed envelope: bad base64 or signature length"];
    return [{ type: w.payloadType, payload, keyid: sigs[0].keyid, sig }, null];
  }

  // The certificates the trusted agency key vouches for.
  async function certificates(facts, trust, problems) {
    const out = new Map();
    if (!trust.agency) return out;
    const expect = `a certificate signed by agency key ed25519:${hex(trust.agency)}`;
    for (const p of facts.keys()) {
      if (!(p === CERT || (p.startsWith(CERTS) && !p.slice(CERTS.length).includes("/")))) continue;
      const f = facts.get(p);
      if (!f.content) { problems.add(p, "CERT_INVALID", expect, "unreadable"); continue; }
      const [env, err] = parseEnvelope(f.content);
      if (!env) { problems.add(p, "CERT_INVALID", expect, err); continue; }
      if (env.type !== CERT_TYPE) { problems.add(p, "CERT_INVALID", expect, "not a device certificate"); continue; }
      if (!(await edVerify(trust.agency, env.sig, pae(env.type, env.payload)))) {
        problems.add(p, "CERT_INVALID", expect, "signature does not verify");
        continue;
      }
      let c;
      try { c = JSON.parse(td.decode(env.payload)); } catch (e) { c = null; }
      const pub = c && parseKey(c.public_key || "");
      if (!c || !pub || !isDevice(c.device) || c.issuer !== `ed25519:${hex(trust.agency)}` || (await deviceId(pub)) !== c.device) {
        problems.add(p, "CERT_INVALID", expect, "certificate payload is not valid");
        continue;
      }
      const named = p.startsWith(CERTS) ? p.slice(CERTS.length).replace(/\.json$/, "") : null;
      if (named !== null && named !== c.device) {
        problems.add(p, "CERT_INVALID", `the certificate of ${named}`, `the certificate of ${c.device}`);
        continue;
      }
      out.set(c.device, { key: pub, name: c.name, officer: c.officer, roles: c.roles || [] });
    }
    return out;
  }

  function recordPlace(p) {
    const name = p.slice(RECORDS.length);
    const i = name.indexOf("/");
    const dir = i >= 0 ? name.slice(0, i) : null, file = i >= 0 ? name.slice(i + 1) : name;
    const m = /^(\d+)\.dsse\.json$/.exec(file);
    return [dir, m ? Number(m[1]) : null];
  }

  async function readRecords(facts, byDevice, problems) {
    const verified = new Map(); // "device/seq" -> {path, device, seq, digest, chain, prev, p}
    const signers = new Map();
    for (const p of [...facts.keys()].filter((p) => p.startsWith(RECORDS)).sort()) {
      const [dir, fileSeq] = recordPlace(p);
      const f = facts.get(p);
      if (!f.content) { problems.add(p, "BAD_LAYOUT", "a signed record", f.error || `larger than ${MAX_RECORD} bytes`); continue; }
      const [env, err] = parseEnvelope(f.content);
      if (!env) { problems.add(p, "BAD_LAYOUT", "a signed record (DSSE JSON)", err); continue; }
      let body = null;
      try { body = JSON.parse(td.decode(env.payload)); } catch (e) { body = null; }
      const claimed = isDevice(env.keyid) ? env.keyid : body && isDevice(body.device) ? body.device : null;
      const key = claimed && byDevice.get(claimed);
      if (!key) {
        problems.add(p, "UNKNOWN_KEY", `a record of device ${[...byDevice.keys()].join(" or ")}`, `signed for device ${env.keyid}`);
        continue;
      }
      if (env.type !== RECORD_TYPE) { problems.add(p, "BAD_LAYOUT", "a valid record", `payload type is ${env.type}`); continue; }
      const signed = pae(env.type, env.payload);
      if (!(await edVerify(key, env.sig, signed))) {
        problems.add(p, "SIGNATURE_INVALID", `a valid signature by ed25519:${hex(key)}`, "signature does not verify");
        continue;
      }
      const keyDevice = await deviceId(key);
      if (!body || body.v !== 1 || !Number.isSafeInteger(body.seq) || !isDigest(body.prev) || !body.body || !instant(body.created_at)) {
        problems.add(p, "BAD_LAYOUT", "a valid record", "record payload is not valid");
        continue;
      }
      if (body.device !== keyDevice || env.keyid !== keyDevice) {
        problems.add(p, "BAD_LAYOUT", "a valid record", `record of ${body.device} signed for ${env.keyid} by ${keyDevice}`);
        continue;
      }
      const digest = hex(await sha256(signed));
      const rec = { path: p, device: body.device, seq: body.seq, digest, prev: body.prev, p: body };
      rec.chain = await link(rec.device, rec.seq, rec.prev, digest);
      if (fileSeq !== rec.seq || (dir !== null && dir !== rec.device)) {
        const want = dir !== null ? `file ${rec.device}/${String(rec.seq).padStart(8, "0")}.dsse.json` : `file named for seq ${rec.seq}`;
        problems.add(p, "CHAIN_BREAK", want, `file name ${p.slice(RECORDS.length)}`);
      }
      const s = signers.get(rec.device) || { device: rec.device, key, records: 0 };
      s.records++;
      signers.set(rec.device, s);
      const at = `${rec.device}/${rec.seq}`;
      const other = verified.get(at);
      if (other && other.digest !== digest) problems.add(p, "FORK", `one record at seq ${rec.seq} (${other.path})`, `a different record ${digest}`);
      else if (!other) verified.set(at, rec);
    }
    return [verified, signers];
  }

  function parseJson(facts, p, what, problems) {
    const f = facts.get(p);
    if (!f) { problems.add(p, "MISSING", what, "no such file"); return null; }
    if (!f.content) { problems.add(p, "BAD_LAYOUT", what, f.error || "too large to read"); return null; }
    try { return JSON.parse(td.decode(f.content)); } catch (e) { problems.add(p, "BAD_LAYOUT", what, e.message); return null; }
  }

  async function checkChain(cf, chainPath, device, verified, recordPath, problems) {
    const linked = new Map();
    if (!cf || cf.device !== device || !cf.start || !Array.isArray(cf.links)) {
      problems.add(chainPath, "CHAIN_BREAK", `the chain of ${device}`, `the chain of ${cf && cf.device}`);
      return linked;
    }
    let h = cf.start.chain, expect = cf.start.seq + 1;
    for (const l of cf.links) {
      if (l.seq !== expect) { problems.add(chainPath, "CHAIN_BREAK", `link seq ${expect}`, `link seq ${l.seq}`); break; }
      expect++;
      linked.set(l.digest, recordPath(l.seq));
      const v = verified.get(`${device}/${l.seq}`);
      let next;
      if (v) {
        if (v.prev !== h) problems.add(v.path, "CHAIN_BREAK", `prev ${h}`, `prev ${v.prev}`);
        if (v.digest !== l.digest) problems.add(v.path, "CHAIN_BREAK", `record ${l.digest} as linked`, `record ${v.digest}`);
        next = v.chain;
      } else if (isDigest(h) && isDigest(l.digest)) {
        next = await link(device, l.seq, h, l.digest);
      }
      if (next !== l.chain) problems.add(chainPath, "CHAIN_BREAK", `h_${l.seq} = ${next}`, `${l.chain}`);
      h = next;
    }
    const seqs = new Set(cf.links.map((l) => l.seq));
    for (const v of verified.values())
      if (v.device === device && !seqs.has(v.seq)) problems.add(v.path, "CHAIN_BREAK", "a record inside the listed chain", `seq ${v.seq} not linked`);
    return linked;
  }

  async function checkSeal(facts, sealers, problems) {
    const body = text(facts, SEAL);
    if (body === null) { problems.add(SEAL, "SEAL_INVALID", "a seal by the device key", "no readable seal"); return null; }
    const tm = facts.get(TAGMANIFEST);
    if (!tm || !tm.content) return null;
    const ls = lines(body);
    const sig = ls.length >= 4 && ls[0].startsWith("untrusted comment: ") && ls[2].startsWith("trusted comment: ") ? unb64(ls[1]) : null;
    const global = sig && unb64(ls[3]);
    if (!sig || sig.length !== 74 || sig[0] !== 0x45 || sig[1] !== 0x44 || !global || global.length !== 64) {
      problems.add(SEAL, "SEAL_INVALID", "a minisign signature", "not a prehashed (ED) minisign signature");
      return null;
    }
    const trusted = ls[2].slice("trusted comment: ".length);
    const keyId = hex(sig.subarray(2, 10));
    let key = null;
    for (const k of sealers) if ((await deviceId(k)).slice(0, 16) === keyId) key = k;
    if (!key) {
      const le = (h) => h.match(/../g).reverse().join("").toUpperCase();
      const given = [];
      for (const k of sealers) given.push(le((await deviceId(k)).slice(0, 16)));
      problems.add(SEAL, "UNKNOWN_KEY", `a seal by key id ${given.join(" or ")}`, `sealed by key id ${le(keyId)}`);
      return null;
    }
    const s = sig.subarray(10, 74);
    if (!(await edVerify(key, s, blake2b512(tm.content)))) {
      problems.add(SEAL, "SEAL_INVALID", "a valid seal over tagmanifest-sha256.txt", "the signature over the file does not verify");
      return null;
    }
    if (!(await edVerify(key, global, concat(s, te.encode(trusted))))) {
      problems.add(SEAL, "SEAL_INVALID", "a valid seal over tagmanifest-sha256.txt", "the signature over the trusted comment does not verify");
      return null;
    }
    const info = {};
    for (const field of trusted.split("\t")) {
      const i = field.indexOf(":");
      info[i < 0 ? field : field.slice(0, i)] = i < 0 ? "" : field.slice(i + 1);
    }
    if (info.case === undefined || !info.bundle || !instant(info.sealed) || !isDevice(info.signer)) {
      problems.add(SEAL, "SEAL_INVALID", "a fieldcase trusted comment", "trusted comment lacks case, bundle, sealed or signer");
      return null;
    }
    const dev = await deviceId(key);
    if (info.signer !== dev) { problems.add(SEAL, "SEAL_INVALID", `signer ${dev}`, `signer ${info.signer}`); return null; }
    return { info, key, dev };
  }

  const kindOf = (r) => r.p && r.p.body && r.p.body.kind;

  // Every file a signed record names is on the disc with its bytes (on
  // a disc of a set, the parts on this disc). Returns the paths accounted.
  function checkEvidence(facts, recs, { evidence, set, disc }, problems) {
    const digests = new Map(); // digest -> path, for payload files that are complete
    const manifestOk = new Map();
    for (const [p, f] of facts) if (p.startsWith("data/") && !f.error) { digests.set(f.digest, p); manifestOk.set(p, f.digest); }
    const located = new Map(evidence.map((e) => [e.sha256, e.path]));
    const setItems = new Map(((set && set.items) || []).map((it) => [it.sha256, it]));
    const referenced = new Set();
    for (const r of recs) {
      for (const blob of r.p.blobs || []) {
        const it = setItems.get(blob);
        if (it) {
          for (const part of (it.parts || []).filter((p) => p.disc === disc)) {
            referenced.add(part.path);
            if (manifestOk.has(part.path)) {
              if (manifestOk.get(part.path) !== part.sha256) problems.add(part.path, "MODIFIED", part.sha256, manifestOk.get(part.path));
            } else if (!facts.has(part.path)) problems.add(part.path, "MISSING", part.sha256, "no such file");
          }
          continue;
        }
        if (digests.has(blob)) {
          referenced.add(digests.get(blob));
          for (const e of evidence)
            if (e.sha256 === blob && e.record_seq === r.seq && manifestOk.get(e.path) === blob) referenced.add(e.path);
          continue;
        }
        const p = located.get(blob);
        if (p) {
          referenced.add(p);
          if (manifestOk.has(p)) problems.add(p, "MODIFIED", blob, manifestOk.get(p));
          else if (!facts.has(p)) problems.add(p, "MISSING", blob, "no such file");
        } else problems.add(`evidence ${blob}`, "MISSING", `named by record seq ${r.seq}`, "no file with these bytes");
      }
    }
    return referenced;
  }

  // The documents the sealing record names, each with its bytes, each
  // filled from a verified record. Returns the paths accounted.
  function checkDocuments(facts, sealRec, cs, have, problems) {
    const sealedDocs = (sealRec && sealRec.p.body.documents) || [];
    const listedDocs = (cs && Array.isArray(cs.documents)) ? cs.documents : [];
    const docPaths = new Set();
    // A case.json entry is the sealed document with its path beside it.
    const docOf = (e) => ({ kind: e.kind, title: e.title, record: e.record, sha256: e.sha256, size: e.size });
    for (const entry of listedDocs) {
      const d = docOf(entry);
      if (!sealedDocs.some((s) => sameJson(s, d))) {
        problems.add(entry.path, "UNEXPECTED", "only documents the sealing record names", `${d.kind} ${d.sha256} not named by it`);
        continue;
      }
      docPaths.add(entry.path);
      if (!have.has(d.record)) problems.add(entry.path, "MISSING", `record ${d.record} the document is filled from`, "not among the verified records");
      const f = facts.get(entry.path);
      if (!f) problems.add(entry.path, "MISSING", d.sha256, "no such file");
      else if (f.digest !== d.sha256) problems.add(entry.path, "MODIFIED", d.sha256, f.digest);
    }
    for (const d of sealedDocs)
      if (!listedDocs.some((e) => sameJson(docOf(e), d))) problems.add(DOCS, "MISSING", `${d.kind} ${d.sha256} named by the sealing record`, "not listed in case.json");
    return docPaths;
  }

  // The programs beside the bag are those the sealing record names.
  function checkTools(facts, sealRec, problems) {
    const tools = (sealRec && sealRec.p.body.tools) || [];
    for (const t of tools) {
      const f = facts.get(t.path);
      if (!f) problems.add(t.path, "MISSING", t.sha256, "no such file");
      else if (!f.error && f.digest !== t.sha256) problems.add(t.path, "MODIFIED", t.sha256, f.digest);
    }
    for (const p of facts.keys())
      if (p.startsWith("tools/") && !tools.some((t) => t.path === p))
        problems.add(p, "UNEXPECTED", "only programs the sealing record names", "a program no signed record names");
  }

  // Every payload file is accounted for by a signed record or the
  // summary, as disc.rs says.
  function checkUnaccounted(facts, { referenced, docPaths, evidence, set, signers, recs, recordFiles, bureau }, problems) {
    const claimedSeq = new Map(evidence.map((e) => [e.path, e.record_seq]));
    const thumbs = new Set(evidence.map((e) => e.thumbnail).filter(Boolean));
    const recordDirs = new Set(recordFiles.map((p) => recordPlace(p)[0]).filter((d) => d !== null));
    const seqs = new Set(recs.map((r) => r.seq));
    for (const p of [...facts.keys()].filter((p) => p.startsWith("data/"))) {
      let known;
      if (p.startsWith(EVIDENCE)) known = referenced.has(p) || problems.has(p, "MODIFIED") || (claimedSeq.has(p) && !seqs.has(claimedSeq.get(p)));
      else if (p.startsWith(THUMBS)) known = thumbs.has(p);
      else if (p.startsWith(DOCS)) known = docPaths.has(p);
      else if (p.startsWith(RECORDS)) known = true;
      else if (p.startsWith(CHAINS) || p.startsWith(CERTS)) {
        const id = p.slice(p.startsWith(CHAINS) ? CHAINS.length : CERTS.length).replace(/\.json$/, "");
        known = bureau && p.endsWith(".json") && isDevice(id) && (signers.has(id) || recordDirs.has(id));
      } else if (p === AGENCY || p === AGENCY_PUB) known = bureau;
      else known = [CASE, CHAIN, KEY, KEY_PUB, CERT].includes(p) || (p === SET && !!set);
      if (!known) problems.add(p, "UNEXPECTED", "only files the case accounts for", "a file no record or summary names");
    }
  }

  // One disc, as shared/src/casebag/verify/disc.rs checks it.
  async function checkDisc(facts, trust, problems) {
    const { info } = checkBag(facts, problems);
    const certified = await certificates(facts, trust, problems);
    const byDevice = new Map([...certified].map(([d, c]) => [d, c.key]));
    for (const k of trust.keys) byDevice.set(await deviceId(k), k);
    const sealers = [...trust.keys, ...(trust.agency ? [trust.agency] : []), ...[...certified.values()].map((c) => c.key)];
    const seal = await checkSeal(facts, sealers, problems);
    const cs = parseJson(facts, CASE, "a fieldcase case summary", problems);
    const recordFiles = [...facts.keys()].filter((p) => p.startsWith(RECORDS));
    const nested = recordFiles.filter((p) => p.slice(RECORDS.length).includes("/")).length;
    const bureau = nested > 0;
    if (bureau && nested < recordFiles.length)
      problems.add(RECORDS, "BAD_LAYOUT", "records in one layout (data/records/<signer>/<seq>.dsse.json)", `${recordFiles.length - nested} records outside a signer's folder`);
    const [verified, signers] = await readRecords(facts, byDevice, problems);
    if (!bureau && signers.size > 1) problems.add(RECORDS, "BAD_LAYOUT", "records of one device", `${signers.size} devices`);
    const recs = [...verified.values()];
    const opened = recs.find((r) => kindOf(r) === "case_opened");
    const caseNo = opened ? opened.p.body.case_no : null;

    // Chains.
    const linked = new Map();
    const devices = [...signers.keys()].sort();
    if (!bureau) {
      const cf = parseJson(facts, CHAIN, "chain links", problems);
      if (cf) {
        const dev = devices[0] || cf.device;
        const got = await checkChain(cf, CHAIN, dev, verified, (s) => `${RECORDS}${String(s).padStart(8, "0")}.dsse.json`, problems);
        got.forEach((v, k) => linked.set(k, v));
      }
    } else {
      for (const dev of devices) {
        const cp = `${CHAINS}${dev}.json`;
        const cf = parseJson(facts, cp, "chain links", problems);
        if (cf) {
          const got = await checkChain(cf, cp, dev, verified, (s) => `${RECORDS}${dev}/${String(s).padStart(8, "0")}.dsse.json`, problems);
          got.forEach((v, k) => linked.set(k, v));
        }
      }
    }

    // The sealing record names every other record.
    let sealRec = null;
    for (const r of recs.filter((r) => kindOf(r) === "case_sealed")) {
      // The last by (seq, time) on a terminal's disc, by time at the bureau.
      const order = sealRec ? (bureau ? 0 : r.seq - sealRec.seq) || cmpInstant(r.p.created_at, sealRec.p.created_at) : 1;
      if (order >= 0) sealRec = r;
    }
    const have = new Set(recs.map((r) => r.digest));
    const requireRecords = (list, by) => {
      for (const d of list || [])
        if (!have.has(d)) problems.add(linked.get(d) || `record ${d}`, "MISSING", `record ${d} named by the ${by} record`, "not in the bag");
    };
    if (sealRec) {
      const named = new Set(sealRec.p.body.records || []);
      requireRecords(sealRec.p.body.records, "sealing");
      for (const r of recs)
        if (r !== sealRec && !named.has(r.digest)) problems.add(r.path, "UNEXPECTED", "only records the sealing record names", `record ${r.digest} (seq ${r.seq})`);
      const c = certified.get(sealRec.device);
      if (bureau && c && !c.roles.includes("archivist"))
        problems.add(sealRec.path, "CERT_INVALID", "a sealing record by an archivist (档案管理员)", `signed by ${c.name} (${c.officer}), who is not an archivist`);
    } else if (recs.length) problems.add(RECORDS, "MISSING", "a case_sealed record", "none among the verified records");
    const closed = recs.find((r) => kindOf(r) === "case_closed");
    if (closed) requireRecords(closed.p.body.records, "closing");
    if (!recs.length && !problems.has(RECORDS, "MISSING") && !recordFiles.length) problems.add(RECORDS, "MISSING", "signed records", "none");

    // The seal agrees with the signed records and is by the right key.
    let sealed = null;
    if (seal) {
      let ok = true;
      if (sealRec) {
        const b = sealRec.p.body;
        if (seal.info.bundle !== b.bundle_id || !sameInstant(seal.info.sealed, sealRec.p.created_at) || seal.info.case !== b.case_no) {
          problems.add(SEAL, "SEAL_INVALID", `case ${b.case_no} bundle ${b.bundle_id} sealed ${sealRec.p.created_at}`, `case ${seal.info.case} bundle ${seal.info.bundle} sealed ${seal.info.sealed}`);
          ok = false;
        }
      }
      if (bureau) {
        const agencyOk = (trust.agency && eq(seal.key, trust.agency)) || trust.keys.some((k) => eq(k, seal.key));
        if (!agencyOk) { problems.add(SEAL, "SEAL_INVALID", "sealed by the agency key", `sealed by signer ${seal.dev}`); ok = false; }
      } else if (devices.length && devices[0] !== seal.dev) {
        problems.add(SEAL, "SEAL_INVALID", `sealed by device ${devices[0]}, which signed the records`, `sealed by device ${seal.dev}`);
        ok = false;
      }
      if (ok) sealed = seal;
    }

    // Evidence: every file a signed record names is here with its bytes.
    const evidence = (cs && Array.isArray(cs.evidence)) ? cs.evidence : [];
    const set = facts.has(SET) ? parseJson(facts, SET, "a disc set", new Problems()) : null;
    const disc = Number((/^(\d+) of/.exec(info.get("Bag-Count") || "") || [0, 1])[1]);
    const referenced = checkEvidence(facts, recs, { evidence, set, disc }, problems);

    const docPaths = checkDocuments(facts, sealRec, cs, have, problems);
    checkTools(facts, sealRec, problems);

    // Files no signed record or summary accounts for.
    const accounted = { referenced, docPaths, evidence, set, signers, recs, recordFiles, bureau };
    checkUnaccounted(facts, accounted, problems);

    // The summary agrees with the signed records.
    if (cs && caseNo !== null && cs.case_no !== caseNo) problems.add(CASE, "MODIFIED", `case number ${caseNo}`, `case number ${cs.case_no}`);
    const orNull = (x) => (x === undefined ? null : x);
    if (cs && closed && !sameJson(orNull(closed.p.body.findings), orNull(cs.findings)))
      problems.add(CASE, "MODIFIED", "the findings of the signed closing record", "other findings (decision, checklist or signatures)");
    return { caseNo, sealed, signers, certified, info, set, disc, bureau };
  }

  // The folder the reader picked: the bag's root is the folder holding
  // bagit.txt nearest the top.
  function rootFiles(list) {
    let root = null;
    for (const f of list) {
      const p = f.webkitRelativePath || f.name;
      if (p === "bagit.txt" || p.endsWith("/bagit.txt")) {
        const r = p.slice(0, p.length - "bagit.txt".length);
        if (root === null || r.length < root.length) root = r;
      }
    }
    const files = new Map();
    if (root === null) return files;
    for (const f of list) {
      const p = f.webkitRelativePath || f.name;
      if (p.startsWith(root)) files.set(p.slice(root.length), f);
    }
    return files;
  }

  // The key the reader trusts: typed in full, or found on the disc by the
  // fingerprint printed on its label. Agency key on a bureau disc,
  // otherwise the recording terminal's key.
  async function trustFrom(pin, facts) {
    const typed = pin.trim().toLowerCase();
    let key = parseKey(typed);
    if (!key) {
      const fp = typed.replace(/[\s:-]/g, "");
      if (!/^[0-9a-f]{32}$/.test(fp)) return null;
      for (const p of [AGENCY, KEY]) {
        const t = text(facts, p);
        const k = t && parseKey(lines(t)[0] || "");
        if (k && (await deviceId(k)) === fp) key = k;
      }
      if (!key) return { keys: [], agency: null, unmatched: fp };
    }
    const bureau = [...facts.keys()].some((p) => p.startsWith(RECORDS) && p.slice(RECORDS.length).includes("/"));
    return bureau ? { keys: [], agency: key } : { keys: [key], agency: null };
  }

  async function verify(list, pin, progress) {
    const started = performance.now();
    const files = rootFiles(list);
    const problems = new Problems();
    if (!files.size) {
      return { valid: false, unverifiable: "没有找到 bagit.txt：请选择光盘的根目录。 No bagit.txt found: pick the disc's top folder.", problems: problems.list };
    }
    const facts = await readAll(files, progress);
    const trust = await trustFrom(pin, facts);
    if (!trust) {
      return { valid: false, unverifiable: "请输入光盘标签上的公钥指纹（32 位十六进制）或完整公钥。 Type the key fingerprint printed on the disc label (32 hex digits) or the whole key.", problems: problems.list };
    }
    if (trust.unmatched)
      problems.add("(key)", "UNKNOWN_KEY", `a key on this disc with fingerprint ${trust.unmatched}`, "no key on this disc has this fingerprint; the disc was sealed by another key, or the fingerprint was mistyped");
    const set = facts.has(SET);
    const sub = new Problems();
    const out = await checkDisc(facts, trust, sub);
    const count = Number((/ of (\d+)$/.exec(out.info.get("Bag-Count") || "") || [0, 1])[1]);
    const prefix = set ? `[disc ${out.disc}/${count}] ` : "";
    for (const p of sub.list) problems.add(prefix + p.path, p.category, p.expected, p.found);
    for (const [c, n] of Object.entries(sub.notListed)) { problems.notListed[c] = (problems.notListed[c] || 0) + n; problems.count += n; }
    if (out.set && out.set.count > 1) {
      for (let k = 1; k <= out.set.count; k++)
        if (k !== out.disc) problems.add(`[disc ${k}/${out.set.count}]`, "MISSING", `disc ${k} of ${out.set.count} of set ${out.set.group}`, "not given");
      for (const it of out.set.items || []) {
        const absent = (it.parts || []).map((p) => p.disc).filter((d) => d !== out.disc);
        if (absent.length) problems.add(it.path, "MISSING", `${it.sha256} (${it.size} bytes)`, `on disc ${absent.join(", ")}, not given`);
      }
    }
    const bytes = [...facts.values()].reduce((n, f) => n + f.size, 0);
    return {
      valid: problems.count === 0,
      problems: problems.list,
      problemCount: problems.count,
      notListed: problems.notListed,
      caseNo: out.caseNo,
      sealed: out.sealed && { by: "ed25519:" + hex(out.sealed.key), at: out.sealed.info.sealed, bundle: out.sealed.info.bundle },
      signers: [...out.signers.values()].map((s) => ({ device: s.device, records: s.records, cert: out.certified.get(s.device) || null })),
      files: facts.size,
      bytes,
      seconds: (performance.now() - started) / 1000,
    };
  }

  window.fieldcaseVerify = verify;
  // For the page's own tests: the two hashes written out here.
  window.fieldcaseHashes = { blake2b512, sha256Sliced: (b) => { const h = new Sha256(); h.update(b); return h.digest(); } };
  window.fieldcaseFingerprint = async (k) => { const b = parseKey(k); return b && fingerprintOf(b); };

  // The page's controls.
  function ui() {
    const $ = (id) => document.getElementById(id);
    const form = $("fc-verify");
    if (!form) return;
    let picked = [];
    const status = (msg) => { $("fc-status").textContent = msg; };
    $("fc-disc").addEventListener("change", (e) => {
      picked = Array.from(e.target.files);
      status(`已选择 ${picked.length} 个文件 · ${picked.length} files picked`);
    });
    form.addEventListener("dragover", (e) => e.preventDefault());
    form.addEventListener("drop", async (e) => {
      e.preventDefault();
      const walk = async (entry, prefix) => {
        if (entry.isFile) {
          const f = await new Promise((res, rej) => entry.file(res, rej));
          picked.push(Object.defineProperty(f, "webkitRelativePath", { value: prefix + entry.name }));
        } else if (entry.isDirectory) {
          const reader = entry.createReader();
          for (;;) {
            const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
            if (!batch.length) break;
            for (const c of batch) await walk(c, prefix + entry.name + "/");
          }
        }
      };
      picked = [];
      for (const item of e.dataTransfer.items) {
        const entry = item.webkitGetAsEntry && item.webkitGetAsEntry();
        if (entry) await walk(entry, "");
      }
      status(`已选择 ${picked.length} 个文件 · ${picked.length} files picked`);
    });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const verdict = $("fc-verdict"), table = $("fc-problems");
      verdict.className = "";
      verdict.textContent = "核验中… Checking…";
      table.textContent = "";
      const bar = $("fc-progress");
      let r;
      try {
        r = await verify(picked, $("fc-pin").value, (done, total) => {
          bar.max = total || 1;
          bar.value = done;
          status(`${(done / 1048576).toFixed(1)} / ${(total / 1048576).toFixed(1)} MiB`);
        });
      } catch (err) {
        // Whatever the folder holds, the reader gets an answer.
        r = { valid: false, problems: [], unverifiable: `无法核验 UNVERIFIABLE：${printable(err && err.message ? err.message : err)}；请用 README.TXT 所述的其他方法核验。` };
      }
      form.dataset.result = JSON.stringify(r);
      if (r.unverifiable) {
        verdict.className = "bad";
        verdict.textContent = r.unverifiable;
        return;
      }
      status(`已核验 ${r.files} 个文件，${(r.bytes / 1048576).toFixed(1)} MiB，用时 ${r.seconds.toFixed(1)} 秒 · ${r.files} files, ${r.seconds.toFixed(1)} s`);
      if (r.valid) {
        verdict.className = "good";
        verdict.textContent = `VALID 有效 — 全部文件、签名与哈希链一致；由 ${r.sealed.by} 封存于 ${r.sealed.at}`;
        return;
      }
      verdict.className = "bad";
      verdict.textContent = `INVALID 无效 — 发现 ${r.problemCount} 个问题 · ${r.problemCount} problems`;
      for (const p of r.problems) {
        const tr = table.insertRow();
        for (const v of [p.category, p.path, p.expected, p.found]) tr.insertCell().textContent = v;
      }
      for (const [c, n] of Object.entries(r.notListed || {})) table.insertRow().insertCell().textContent = `… ${n} more ${c} problems not listed`;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ui);
  else ui();
})();
