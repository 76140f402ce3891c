// kotona-bench's peer ingest (issue 15): what a minimal Node service does with the same wire,
// for the outside ratio. mqtt.js + better-sqlite3 + protobufjs, all from npm (package-lock.json).
// Subscribes to every hub's readings (MQTT v5, QoS 1), decodes each ReadingBatch with the
// project's own .proto, stores its readings in ONE transaction (WAL, synchronous=FULL, unique
// reading_uid: a re-sent reading is a duplicate), and only then publishes the Ack (QoS 1)
// naming every uid as stored or duplicate: the same durability as kotona-server, none of its
// clinical work (no enrolment, rules, alerts, quarantine or audit).
// Usage: node ingest.js BROKER_URI DB_PATH PROTO_PATH EXPECTED
// Prints "node-ingest: subscribed", then "node-ingest: all N readings, R repeats" once
// EXPECTED distinct readings are stored; runs until killed.
'use strict';
const mqtt = require('mqtt');
const Database = require('better-sqlite3');
const protobuf = require('protobufjs');

const [uri, dbPath, protoPath, expectedText] = process.argv.slice(2);
const expected = Number(expectedText);
const root = protobuf.loadSync(protoPath);
const Batch = root.lookupType('kotona.v1.ReadingBatch');
const ReadingType = root.lookupType('kotona.v1.Reading');
const Ack = root.lookupType('kotona.v1.Ack');
const STORED = 1;
const DUPLICATE = 2;

const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS readings(seq INTEGER PRIMARY KEY,
  reading_uid TEXT UNIQUE NOT NULL, gateway_id TEXT NOT NULL, hub_time_unix_ms INTEGER,
  body BLOB NOT NULL)`);
const insert = db.prepare(`INSERT INTO readings(reading_uid, gateway_id, hub_time_unix_ms, body)
  VALUES(?, ?, ?, ?) ON CONFLICT(reading_uid) DO NOTHING`);
const storeBatch = db.transaction((batch) => batch.readings.map((r) => {
  const body = ReadingType.encode(r).finish();
  const info = insert.run(r.readingUid, batch.gatewayId, Number(r.hubTimeUnixMs), body);
  return { readingUid: r.readingUid, disposition: info.changes === 1 ? STORED : DUPLICATE };
}));

let stored = 0;
let repeats = 0;
let done = false;
const client = mqtt.connect(uri, { protocolVersion: 5, clientId: 'kotona-node-peer', clean: true });
client.on('connect', () => {
  client.subscribe('kotona/v1/gw/+/readings', { qos: 1 }, (err) => {
    if (err) throw err;
    console.log('node-ingest: subscribed');
  });
});
client.on('message', (topic, payload) => {
  let batch;
  try {
    batch = Batch.decode(payload);
  } catch (e) {
    console.error(`node-ingest: bad batch on ${topic}: ${e.message}`);
    return;
  }
  const acked = storeBatch(batch);
  for (const a of acked) a.disposition === STORED ? ++stored : ++repeats;
  const ack = Ack.encode({ gatewayId: batch.gatewayId, batchId: batch.batchId, readings: acked });
  client.publish(`kotona/v1/gw/${batch.gatewayId}/acks`, Buffer.from(ack.finish()), { qos: 1 });
  if (!done && stored >= expected) {
    done = true;
    console.log(`node-ingest: all ${stored} readings, ${repeats} repeats`);
  }
});
client.on('error', (e) => console.error(`node-ingest: ${e.message}`));
