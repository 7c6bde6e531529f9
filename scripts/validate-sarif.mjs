// Validates a SARIF file against the SARIF 2.1.0 JSON schema that ships in
// @microsoft/jest-sarif, with ajv (draft-04, as the schema is). The
// packages are found through NODE_PATH; .ci/run installs them into a
// temporary folder.
//
//   NODE_PATH=/tmp/x/node_modules node scripts/validate-sarif.mjs FILE.sarif
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const modules = process.env.NODE_PATH;
if (!modules) {
  console.error("validate-sarif: set NODE_PATH to a node_modules folder");
  process.exit(2);
}
const require = createRequire(join(modules, "noop.js"));
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");
const schema = JSON.parse(readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"));

// The schema has a pattern ("...]?$") that is not valid with the "u" flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);
const log = JSON.parse(readFileSync(process.argv[2], "utf8"));
if (!validate(log)) {
  for (const e of validate.errors) console.error(`${e.instancePath || "/"}: ${e.message}`);
  process.exit(1);
}
console.log(`valid SARIF 2.1.0: ${log.runs[0].results.length} results, ${log.runs[0].tool.driver.rules.length} rules`);
