#!/usr/bin/env node
// iam-simulate's side of ward's differential tester (internal/difftest).
//
//   IAM_SIMULATE_DIR=<folder where `npm install @cloud-copilot/iam-simulate` ran> \
//     node bench/difftest/iamsimulate.mjs [scenarios.jsonl]
//
// Reads ward scenarios, one JSON object a line, from the file or from
// standard input, and decides each with iam-simulate's public
// runSimulation() in strict mode, in order. It writes one JSON line per
// scenario as soon as it is decided, so a caller can hold a conversation
// over the pipes (the minimizer does):
//
//   {"result": "Allowed" | "ExplicitDeny" | "ImplicitDeny", "ignored": [context keys it dropped]}
//   {"error": "what iam-simulate refused"}
//
// The first line written is {"version": "<iam-simulate's version>"}.
// The package is only imported from that install, never copied: it is
// AGPL-licensed. The conversion is bench/compare/simulation.mjs's.

import { createReadStream } from 'node:fs'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { installed, answer, toSimulation } from '../compare/simulation.mjs'

function die(msg) {
  process.stderr.write(`difftest iamsimulate.mjs: ${msg}\n`)
  process.exit(2)
}

let pkgs, runSimulation, version
try {
  pkgs = installed(resolve(process.env.IAM_SIMULATE_DIR || process.cwd()))
  version = pkgs.packageJSON('@cloud-copilot/iam-simulate').version
  ;({ runSimulation } = await import(pkgs.esmEntry('@cloud-copilot/iam-simulate')))
} catch (e) {
  die(`${e.message} (set IAM_SIMULATE_DIR)`)
}
if (typeof runSimulation !== 'function') die(`runSimulation is not exported by iam-simulate ${version}`)

const input = process.argv[2] ? createReadStream(process.argv[2]) : process.stdin
const lines = createInterface({ input, crlfDelay: Infinity })

// Answers are written in batches: one write per line would make a large
// run spend its time in system calls. Once no further line is waiting
// (a conversation), what is held is written at once.
let out = []
const flush = () => {
  if (out.length > 0) {
    process.stdout.write(out.join(''))
    out = []
  }
}
const say = (o) => {
  out.push(JSON.stringify(o) + '\n')
  if (out.length >= 256) flush()
}
say({ version })
flush()

for await (const line of lines) {
  if (line.trim() === '') continue
  let res
  try {
    const sim = toSimulation(JSON.parse(line))
    const r = await runSimulation(sim, { simulationMode: 'Strict' })
    if (r.resultType !== 'single') {
      res = { error: `${r.resultType}: ${JSON.stringify(r.errors ?? r.overallResult)}` }
    } else {
      res = { result: answer[r.overallResult] ?? r.overallResult, ignored: r.result?.ignoredContextKeys ?? [] }
    }
  } catch (e) {
    res = { error: String(e?.message ?? e) }
  }
  say(res)
  setImmediate(flush)
}
flush()
