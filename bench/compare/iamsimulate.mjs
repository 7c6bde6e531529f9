#!/usr/bin/env node
// iam-simulate's side of ward's speed comparison (see run.sh).
//
//   IAM_SIMULATE_DIR=<folder where `npm install @cloud-copilot/iam-simulate` ran> \
//     node iamsimulate.mjs <scenarios.json> <iterations>
//
// IAM_SIMULATE_DIR defaults to the current directory. The package is only
// called from that install, never copied: it is AGPL-licensed.
//
// What is timed. The package's public entry point, runSimulation(), is
// async and does per-call work that ward's benchmark does once outside its
// loop: it validates and parses every policy (loadPolicy), looks the action
// up in the iam-data service reference, works out the resource type and
// normalizes the context against the keys the action supports. It then
// calls authorize() from dist/esm/core_engine/CoreSimulatorEngine.js,
// which is the lowest-level entry point that decides one request: it takes
// already-parsed policies (Policy objects from @cloud-copilot/iam-policy's
// loadPolicy) and an AwsRequest, runs the identity, session, boundary,
// SCP, RCP, resource and VPC endpoint analyses, hands them to the
// service's authorizer (Default, S3, KMS, STS or IAM) and returns a
// RequestAnalysis whose .result is Allowed, ImplicitlyDenied or
// ExplicitlyDenied. It is synchronous and reads no JSON. It is not in the
// package's exports map, so it is imported by file path.
//
// Preparation, once per scenario and outside the timed loop: the ward
// scenario is converted into iam-simulate's Simulation input and run once
// through runSimulation() (validation, and the reference answer); then the
// same inputs runSimulation() gives authorize() are built once: loadPolicy()
// for every policy (RCP levels get AWS's RCPFullAWSAccess, as
// runSimulation() adds it), the context normalized with
// normalizeSimulationParameters(), and one AwsRequestImpl. The loop calls
// authorize() on those prepared inputs. A scenario whose prepared
// authorize() answer differs from runSimulation()'s is reported as a
// mismatch, so the preparation cannot silently change the question.
//
// Output: one JSON line on stdout; notes on stderr.

import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { installed, answer, toSimulation } from './simulation.mjs'

function die(msg) {
  process.stderr.write(`iamsimulate.mjs: ${msg}\n`)
  process.exit(2)
}

const [scenarioPath, iterArg] = process.argv.slice(2)
if (!scenarioPath || !iterArg) {
  die('usage: node iamsimulate.mjs <scenarios.json> <iterations>')
}
const iterations = Number.parseInt(iterArg, 10)
if (!Number.isInteger(iterations) || iterations < 1) {
  die(`iterations must be a positive integer, not ${JSON.stringify(iterArg)}`)
}

const installRoot = resolve(process.env.IAM_SIMULATE_DIR || process.cwd())
const pkgs = installed(installRoot)

function packageDir(name) {
  try {
    return pkgs.packageDir(name)
  } catch (e) {
    die(`${e.message} (set IAM_SIMULATE_DIR)`)
  }
}

const esmEntry = (name) => (packageDir(name), pkgs.esmEntry(name))
const simDir = packageDir('@cloud-copilot/iam-simulate')
const simPkg = JSON.parse(readFileSync(join(simDir, 'package.json'), 'utf8'))

async function internal(rel) {
  try {
    return await pkgs.simInternal(rel)
  } catch (e) {
    die(e.message)
  }
}

const { runSimulation } = await import(esmEntry('@cloud-copilot/iam-simulate'))
const { loadPolicy } = await import(esmEntry('@cloud-copilot/iam-policy'))
const { authorize } = await internal('core_engine/CoreSimulatorEngine.js')
const { normalizeSimulationParameters } = await internal('simulation_engine/simulationEngine.js')
const { AwsRequestImpl } = await internal('request/request.js')
const { RequestContextImpl } = await internal('requestContext.js')
const { DiscoveryContextKeyConstraints } = await internal('context_keys/discoveryContextKeyConstraints.js')
const { isWildcardOnlyAction } = await internal('util.js')
const { expandShortArn } = await internal('util/resourceStrings.js')
for (const [name, fn] of Object.entries({
  runSimulation, loadPolicy, authorize, normalizeSimulationParameters, AwsRequestImpl,
  RequestContextImpl, DiscoveryContextKeyConstraints, isWildcardOnlyAction, expandShortArn
})) {
  if (typeof fn !== 'function') {
    die(`${name} is not exported where expected in @cloud-copilot/iam-simulate ${simPkg.version}`)
  }
}

// AWS's managed RCPFullAWSAccess policy, attached to every level that has
// RCPs (iam-simulate's runSimulation adds it the same way).
const RCP_FULL_AWS_ACCESS = {
  name: 'arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess',
  policy: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: '*', Action: '*', Resource: '*' }]
  }
}

// prepare builds, once, the arguments runSimulation() would hand to
// authorize() for this simulation: parsed policies and a request.
async function prepare(sim) {
  const load = (p) => loadPolicy(p.policy, { name: p.name })
  const [service, action] = sim.request.action.split(':')
  const { validContextValues, ignoredContextKeys } = await normalizeSimulationParameters(sim, undefined)
  const wildcardOnly = await isWildcardOnlyAction(service, action)
  const request = new AwsRequestImpl(
    sim.request.principal,
    { resource: expandShortArn(sim.request.resource.resource), accountId: sim.request.resource.accountId },
    sim.request.action,
    new RequestContextImpl(validContextValues),
    wildcardOnly
  )
  return {
    ignoredContextKeys,
    input: {
      request,
      sessionPolicy: sim.sessionPolicy ? loadPolicy(sim.sessionPolicy, { name: 'SessionPolicy' }) : undefined,
      identityPolicies: sim.identityPolicies.map(load),
      serviceControlPolicies: sim.serviceControlPolicies.map((l) => ({
        orgIdentifier: l.orgIdentifier,
        policies: l.policies.map(load)
      })),
      resourceControlPolicies: sim.resourceControlPolicies.map((l) => ({
        orgIdentifier: l.orgIdentifier,
        policies: [RCP_FULL_AWS_ACCESS, ...l.policies].map(load)
      })),
      resourcePolicy: sim.resourcePolicy ? loadPolicy(sim.resourcePolicy, { name: 'ResourcePolicy' }) : undefined,
      permissionBoundaries: sim.permissionBoundaryPolicies?.map(load),
      vpcEndpointPolicies: sim.vpcEndpointPolicies?.map(load),
      simulationParameters: {
        simulationMode: 'Strict',
        discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
      },
      serviceSettings: { s3: { blockPublicAccess: undefined } }
    }
  }
}

const raw = JSON.parse(readFileSync(scenarioPath, 'utf8'))
const scenarios = Array.isArray(raw) ? raw : [raw]
const cases = []
const mismatches = []
for (const [i, s] of scenarios.entries()) {
  const name = s.name ?? `${scenarioPath}[${i}]`
  let sim
  try {
    sim = toSimulation(s)
  } catch (e) {
    die(`${name}: ${e.message}`)
  }
  const pub = await runSimulation(sim, { simulationMode: 'Strict' })
  if (pub.resultType !== 'single') {
    die(`${name}: runSimulation gave ${pub.resultType}: ${JSON.stringify(pub.errors ?? pub.overallResult)}`)
  }
  const { input, ignoredContextKeys } = await prepare(sim)
  if (ignoredContextKeys.length > 0) {
    process.stderr.write(`note: ${name}: iam-simulate ignores context keys ${ignoredContextKeys.join(', ')} for ${sim.request.action}\n`)
  }
  const core = authorize(input).result
  const got = answer[core] ?? core
  if (core !== pub.overallResult) {
    process.stderr.write(`note: ${name}: prepared authorize() says ${core}, runSimulation() says ${pub.overallResult}\n`)
    mismatches.push(name)
  } else if (s.expect !== undefined && got !== s.expect) {
    process.stderr.write(`note: ${name}: iam-simulate says ${got}, expected ${s.expect}\n`)
    mismatches.push(name)
  }
  cases.push(input)
}

// Warm up so the timed loop measures optimized code, as Go's benchmark
// does after its first rounds.
let sink = 0
const warm = Math.min(iterations, Math.max(200, Math.ceil(iterations / 10)))
for (let n = 0; n < warm; n++) {
  for (let i = 0; i < cases.length; i++) sink += authorize(cases[i]).result.length
}

const start = process.hrtime.bigint()
for (let n = 0; n < iterations; n++) {
  for (let i = 0; i < cases.length; i++) sink += authorize(cases[i]).result.length
}
const elapsedNs = Number(process.hrtime.bigint() - start)
if (sink === 0) die('no decisions made')

const decisions = iterations * cases.length
const seconds = elapsedNs / 1e9
process.stdout.write(
  JSON.stringify({
    engine: 'iam-simulate',
    version: simPkg.version,
    decisions,
    seconds: Number(seconds.toFixed(6)),
    decisionsPerSecond: Math.round(decisions / seconds),
    nsPerDecision: Number((elapsedNs / decisions).toFixed(1)),
    mismatches
  }) + '\n'
)
