// The conversion of ward's scenario files into @cloud-copilot/iam-simulate's
// Simulation input, and the loading of that package from an install outside
// the repository. Shared by the speed comparison (iamsimulate.mjs) and the
// differential tester (bench/difftest/iamsimulate.mjs).
//
// This module is ward's own code: it imports iam-simulate (AGPL) by path
// from the folder where `npm install @cloud-copilot/iam-simulate` ran and
// copies nothing from it.

import { readFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

// installed returns helpers that find packages under installRoot's
// node_modules. They throw when a package or file is missing.
export function installed(installRoot) {
  const modules = join(resolve(installRoot), 'node_modules')
  const packageDir = (name) => {
    const dir = join(modules, ...name.split('/'))
    if (!existsSync(join(dir, 'package.json'))) {
      throw new Error(`${name} is not installed under ${modules}`)
    }
    return dir
  }
  const packageJSON = (name) => JSON.parse(readFileSync(join(packageDir(name), 'package.json'), 'utf8'))
  // The ESM entry of an installed package, from its exports map.
  const esmEntry = (name) => {
    const pkg = packageJSON(name)
    const dot = pkg.exports?.['.']
    const rel = (typeof dot === 'object' && (dot.import ?? dot.default)) || pkg.module || pkg.main
    return pathToFileURL(join(packageDir(name), rel)).href
  }
  // A file of iam-simulate's build that its exports map does not name.
  const simInternal = async (rel) => {
    const file = join(packageDir('@cloud-copilot/iam-simulate'), 'dist', 'esm', rel)
    if (!existsSync(file)) {
      const v = packageJSON('@cloud-copilot/iam-simulate').version
      throw new Error(`${rel} is not in @cloud-copilot/iam-simulate ${v}: its layout changed`)
    }
    return import(pathToFileURL(file).href)
  }
  return { modules, packageDir, packageJSON, esmEntry, simInternal }
}

// iam-simulate's results in ward's words.
export const answer = {
  Allowed: 'Allowed',
  ImplicitlyDenied: 'ImplicitDeny',
  ExplicitlyDenied: 'ExplicitDeny'
}

// A ward policy is an object or a string holding one.
export const doc = (p) => (typeof p === 'string' ? JSON.parse(p) : p)

// The account of an IAM or STS principal ARN.
export function principalAccount(principal) {
  const m = /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)
  return m ? m[1] : undefined
}

// The resource's account the way ward defaults it: as given, else from
// the ARN (except AWS-owned resources), else aws:ResourceAccount in the
// context, else the caller's account.
export function resourceAccount(req) {
  if (req.resourceAccount) return req.resourceAccount
  const parts = (req.resource ?? '*').split(':')
  if (parts.length >= 6 && parts[0] === 'arn' && parts[4] && parts[4] !== 'aws') return parts[4]
  const ctx = req.context ?? {}
  for (const k of Object.keys(ctx)) {
    if (k.toLowerCase() === 'aws:resourceaccount') {
      const v = [ctx[k]].flat()
      if (v.length === 1) return String(v[0])
    }
  }
  return principalAccount(req.principal) ?? ''
}

// toSimulation converts one ward scenario into iam-simulate's input form.
// ward's "anonymous" principal is iam-simulate's anonymous marker.
export function toSimulation(s) {
  const req = s.request
  const contextVariables = {}
  for (const [k, v] of Object.entries(req.context ?? {})) {
    contextVariables[k] = Array.isArray(v) ? v.map(String) : String(v)
  }
  const named = (name) => (p) => ({ name, policy: doc(p) })
  let sessionPolicy
  if (s.sessionPolicy !== undefined) {
    const list = Array.isArray(s.sessionPolicy) ? s.sessionPolicy : [s.sessionPolicy]
    if (list.length > 1) throw new Error('iam-simulate takes one session policy, not several')
    if (list.length === 1) sessionPolicy = doc(list[0])
  }
  const levels = (lv, kind) =>
    (lv ?? []).map((level, i) => ({
      orgIdentifier: `${kind}-level-${i}`,
      policies: level.map((p, j) => ({ name: `${kind}[${i}][${j}]`, policy: doc(p) }))
    }))
  return {
    request: {
      principal: req.principal === 'anonymous' ? { type: 'Anonymous' } : req.principal,
      action: req.action,
      resource: { resource: req.resource ?? '*', accountId: resourceAccount(req) },
      contextVariables
    },
    sessionPolicy,
    identityPolicies: (s.identityPolicies ?? []).map((p, i) => named(`identityPolicies[${i}]`)(p)),
    permissionBoundaryPolicies: s.permissionsBoundary
      ? [named('permissionsBoundary')(s.permissionsBoundary)]
      : undefined,
    resourcePolicy: s.resourcePolicy ? doc(s.resourcePolicy) : undefined,
    vpcEndpointPolicies: s.vpcEndpointPolicy
      ? [named('vpcEndpointPolicy')(s.vpcEndpointPolicy)]
      : undefined,
    serviceControlPolicies: levels(s.serviceControlPolicies, 'scp'),
    resourceControlPolicies: levels(s.resourceControlPolicies, 'rcp')
  }
}
