// Checks that compute rather than run servers: sizes from the guide's own examples (exact),
// protobuf compatibility, and a serialization micro-benchmark (timed, so repeated).
import { median } from '../harness/metrics/stats.ts';
import protobuf from 'protobufjs';
import { pack as msgpackPack, unpack as msgpackUnpack, isNativeAccelerationEnabled } from 'msgpackr';
import {
  apqBodies,
  binaryOverSse,
  compileGuideProto,
  compressionTable,
  guideHandshake,
  guideRequestHead,
  guideResponseBody,
  guideUser,
  guideUserJsonBytes,
  guideUserProtobufBytes,
  harnessUser,
  harnessUserSizes,
  msgpackSize,
  priceUpdateSizes,
  repairedGuideRoot,
} from './sizes.ts';
import { exact, held, type CheckResult } from './observe.ts';
import { protoType, userToProto } from '../proto/contract.ts';
import { fmt } from './decide.ts';

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export function sizesCheck(): CheckResult {
  const out: CheckResult = {};
  const body = guideResponseBody();
  out.exampleBody = exact(body.printed, 'B', `${body.minified} B minified; the guide's header says 324`);

  const json = guideUserJsonBytes();
  const pb = guideUserProtobufBytes();
  const harness = harnessUserSizes();
  const guideMsgpack = msgpackSize(guideUser());
  out.guideUserJson = exact(
    json,
    'B',
    'the guide prints 145 B; pretty-printed as in the guide it would be more, minified it is this',
  );
  out.guideUserProtobuf = exact(
    pb,
    'B',
    "with the guide's field numbers (user_id int64 = 1 ... roles = 5); 28 B cannot hold even the strings (7 + 16 + 4 + 5 B of text)",
  );
  out.jsonOverProtobufGuide = exact(
    json / pb,
    'x',
    `guide user ${json} B JSON / ${pb} B protobuf; harness user ${harness.json} / ${harness.protobuf} B = ${fmt(harness.json / harness.protobuf)}x`,
  );
  out.protobufSaving = exact(
    1 - harness.protobuf / harness.json,
    'share',
    `harness user ${harness.protobuf} B protobuf vs ${harness.json} B JSON; guide user ${pct(1 - pb / json)}`,
  );
  out.msgpackSaving = exact(
    1 - harness.msgpack / harness.json,
    'share',
    `harness user ${harness.msgpack} B MessagePack vs ${harness.json} B JSON; guide user ${guideMsgpack} vs ${json} B (${pct(1 - guideMsgpack / json)})`,
  );

  const price = priceUpdateSizes();
  out.priceUpdate = exact(
    price.json / price.protobuf,
    'x',
    `JSON ${price.json} B (guide ~200), protobuf ${price.protobuf} B (guide ~50), for a message the harness made up: the guide gives no schema`,
  );

  const hs = guideHandshake();
  out.acceptKey = held(hs.printedAccept === hs.computedAccept, `computed ${hs.computedAccept} for key ${hs.key}`);

  const blob = binaryOverSse(10 * 1024);
  out.binaryOverSse = exact(
    blob.ratio,
    'x',
    `10 KiB blob: ws binary frame ${blob.ws} B, SSE data: line with base64 ${blob.sse} B; SSE has no binary type (UTF-8 text only)`,
  );

  const table = compressionTable();
  const five = table.find((t) => t.label.startsWith('~5 KB'))!.sizes;
  const others = table
    .map((t) => `${t.label} ${t.sizes.identity} B: gzip ${pct(1 - t.sizes.gzip / t.sizes.identity)}`)
    .join(', ');
  out.gzip = exact(1 - five.gzip / five.identity, 'share', `${five.identity} B -> ${five.gzip} B. By size: ${others}`);
  out.brotli = exact(
    1 - five.brQ4 / five.gzip,
    'share',
    `5 KB page: gzip ${five.gzip} B, br q4 ${five.brQ4} B, br q11 ${five.brQ11} B (${pct(1 - five.brQ11 / five.gzip)} better at q11). Brotli is a Content-Encoding and works over HTTP/1.1 too`,
  );
  out.json5kb = exact(five.gzip, 'B', `${five.identity} B of JSON: gzip ${five.gzip} B, brotli q11 ${five.brQ11} B`);

  const apq = apqBodies();
  out.apq = exact(
    apq.reduction,
    'share',
    `request body ${apq.full} B with the query, ${apq.persisted} B with the hash; the response is unchanged`,
  );

  const head = guideRequestHead();
  out.requestHead = exact(
    head.bytes,
    'B',
    `the guide's example request head is ${head.bytes} B (its bearer token is cut to ${head.tokenChars} characters)`,
  );

  const proto = compileGuideProto();
  out.protoCompiles = held(
    proto.resolves,
    proto.resolves
      ? 'compiles'
      : `does not compile: ${proto.error}${proto.missingImports.length ? `; missing imports: ${proto.missingImports.join(', ')}` : ''}`,
  );
  out.protoCompat = protoCompat();
  return out;
}

/**
 * v1 is the guide's User; v2 adds a scalar field 8 and a nested message field 9. Bytes from each
 * must decode with the other, the new fields defaulting in v2 and being skipped by v1.
 */
function protoCompat(): ReturnType<typeof held> {
  const v1 = repairedGuideRoot().lookupType('user_service.User');
  const v2root = protobuf.parse(
    `syntax = "proto3"; package v2;
    message Prefs { string theme = 1; bool beta = 2; }
    message User { int64 user_id = 1; string username = 2; string email = 3; int32 age = 4; repeated string roles = 5;
      string phone = 8; Prefs prefs = 9; }`,
    { keepCase: true },
  ).root;
  const v2 = v2root.lookupType('v2.User');
  const base = { user_id: 12345, username: 'johndoe', email: 'john@example.com', age: 30, roles: ['user', 'admin'] };
  const fromV2 = v2.encode(v2.fromObject({ ...base, phone: '+1-555-0100', prefs: { theme: 'dark', beta: true } })).finish();
  const fromV1 = v1.encode(v1.fromObject(base)).finish();
  const readByV1 = v1.toObject(v1.decode(fromV2), { longs: Number }) as Record<string, unknown>;
  const readByV2 = v2.toObject(v2.decode(fromV1), { longs: Number, defaults: true }) as Record<string, unknown>;
  // protobufjs drops unknown fields when decoding, so re-encoding through v1 loses them.
  const reencoded = v2.toObject(v2.decode(v1.encode(v1.decode(fromV2)).finish()), { longs: Number }) as Record<string, unknown>;
  const ok = readByV1.username === 'johndoe' && readByV1.user_id === 12345 && readByV2.phone === '' && readByV2.prefs === null;
  return held(
    ok,
    `v2 bytes (${fromV2.length} B) read by v1: ok, new fields skipped; v1 bytes read by v2: phone defaults to "", prefs to null; a round trip through v1 ${reencoded.phone === undefined ? 'drops' : 'keeps'} the unknown fields (protobufjs)`,
  );
}

/**
 * ns per call of `f` over `ms` after a warm-up: the median of 10 ms slices, not the mean of the
 * whole span, so a burst of CPU steal in one slice (this VM has them) moves one slice, not the round.
 */
function timePerCall(f: () => unknown, ms: number): number {
  let sink = 0;
  for (let i = 0; i < 20_000; i++) sink += f() ? 1 : 0;
  const slices: number[] = [];
  const sliceNs = 10_000_000n;
  const end = process.hrtime.bigint() + BigInt(ms * 1e6);
  for (let start = process.hrtime.bigint(); start < end;) {
    let n = 0;
    let now = start;
    while (now - start < sliceNs) {
      for (let i = 0; i < 100; i++) sink += f() ? 1 : 0;
      n += 100;
      now = process.hrtime.bigint();
    }
    slices.push(Number(now - start) / n);
    start = now;
  }
  if (sink < 0) console.log(sink); // keeps the calls from being optimised away
  return median(slices);
}

/** JSON vs protobufjs per call, microseconds; one sample per round (rounds interleaved). */
export function microCheck(rounds = 3, ms = 300): CheckResult {
  const user = harnessUser(1);
  const text = JSON.stringify(user);
  const User = protoType('User');
  const msg = User.fromObject(userToProto(user));
  const bytes = User.encode(msg).finish();
  const stringify: number[] = [];
  const parseJ: number[] = [];
  const encode: number[] = [];
  const decode: number[] = [];
  // MessagePack of the same JSON shape (msgpackr, the encodings scenario's codec).
  const packed = msgpackPack(user);
  const unpack: number[] = [];
  for (let r = 0; r < rounds; r++) {
    stringify.push(timePerCall(() => JSON.stringify(user), ms) / 1000);
    parseJ.push(timePerCall(() => JSON.parse(text), ms) / 1000);
    encode.push(timePerCall(() => User.encode(msg).finish(), ms) / 1000);
    decode.push(timePerCall(() => User.decode(bytes), ms) / 1000);
    unpack.push(timePerCall(() => msgpackUnpack(packed), ms) / 1000);
  }
  const m = (xs: number[]): string => fmt([...xs].sort((a, b) => a - b)[xs.length >> 1]!);
  const detail = `per call, us: JSON.stringify ${m(stringify)}, JSON.parse ${m(parseJ)}, protobuf encode ${m(encode)}, decode ${m(decode)}, MessagePack decode ${m(unpack)} (${text.length}-B user, ${bytes.length}-B protobuf, ${packed.length}-B MessagePack; msgpackr ${isNativeAccelerationEnabled ? 'with its native string addon' : 'pure JS'})`;
  return {
    jsonStringifyUs: { samples: stringify, unit: 'us', detail },
    parseRatio: { samples: parseJ.map((p, i) => p / decode[i]!), unit: 'x', detail },
    msgpackParseRatio: { samples: parseJ.map((p, i) => p / unpack[i]!), unit: 'x', detail },
    // "Fastest": protobuf against the quicker of the other two, round by round.
    protobufFastestRatio: { samples: parseJ.map((p, i) => Math.min(p, unpack[i]!) / decode[i]!), unit: 'x', detail },
  };
}
