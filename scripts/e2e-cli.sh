#!/usr/bin/env bash
# End-to-end test of ward serve with the AWS CLI v2 (Debian's awscli, by its
# Debian path: a pip-installed v1 may come first on PATH). It runs the seed
# documents' flows against a fresh server on loopback and checks every
# answer. Usage: scripts/e2e-cli.sh [AWS_CLI]
set -euo pipefail
cd "$(dirname "$0")/.."
AWS=${1:-/usr/bin/aws}
"$AWS" --version

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/ward" ./cmd/ward
"$work/ward" serve --data "$work/data" --addr 127.0.0.1:0 --account 111111111111 >"$work/serve.out" 2>"$work/serve.err" &
pid=$!
for _ in $(seq 50); do grep -q "listening on" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
endpoint=$(grep -o 'http://[0-9.:]*' "$work/serve.out" | head -1)
[ -n "$endpoint" ] || { cat "$work/serve.err"; echo "ward serve did not start"; exit 1; }
curl -fsS "$endpoint/healthz" >/dev/null

export AWS_SHARED_CREDENTIALS_FILE="$work/data/credentials" AWS_CONFIG_FILE=/dev/null AWS_PROFILE=ward
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
aws() { "$AWS" --endpoint-url "$endpoint" --output json "$@"; }
pass=0
ok() { pass=$((pass + 1)); echo "ok  $*"; }
fail() { echo "FAIL $*"; exit 1; }
expect() { # expect STRING COMMAND...: the command succeeds and prints STRING
  local want=$1; shift
  local out; out=$("$@" 2>&1) || fail "$* exited with an error: $out"
  grep -qF -- "$want" <<<"$out" || fail "$*: wanted \"$want\" in: $out"
  ok "$*"
}
expect_error() { # expect_error STRING COMMAND...: the command fails with STRING
  local want=$1; shift
  local out
  if out=$("$@" 2>&1); then fail "$* succeeded: $out"; fi
  grep -qF -- "$want" <<<"$out" || fail "$*: wanted \"$want\" in: $out"
  ok "$* (refused)"
}

expect '"Arn": "arn:aws:iam::111111111111:root"' aws sts get-caller-identity

# Seed 003: the Lex V2 conversation-logs role.
cat >"$work/lex-trust.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "Service": "lexv2.amazonaws.com" }, "Action": "sts:AssumeRole" } ] }
JSON
cat >"$work/lex-logs.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": [ "logs:CreateLogStream", "logs:PutLogEvents" ], "Resource": "arn:aws:logs:us-east-1:111111111111:log-group:lex-conversations:*" } ] }
JSON
cat >"$work/lex-s3.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": [ "s3:PutObject" ], "Resource": "arn:aws:s3:::lex-conversation-logs/*" } ] }
JSON
cat >"$work/passrole.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111111111111:role/lex-logs",
  "Condition": { "StringEquals": { "iam:PassedToService": "lexv2.amazonaws.com" } } } ] }
JSON
expect '"RoleName": "lex-logs"' aws iam create-role --role-name lex-logs --assume-role-policy-document "file://$work/lex-trust.json"
expect '"Arn": "arn:aws:iam::111111111111:policy/cloudwatch-lex"' aws iam create-policy --policy-name cloudwatch-lex --policy-document "file://$work/lex-logs.json"
expect '"PolicyName": "s3-lex"' aws iam create-policy --policy-name s3-lex --policy-document "file://$work/lex-s3.json"
aws iam attach-role-policy --role-name lex-logs --policy-arn arn:aws:iam::111111111111:policy/cloudwatch-lex && ok "attach cloudwatch-lex"
aws iam attach-role-policy --role-name lex-logs --policy-arn arn:aws:iam::111111111111:policy/s3-lex && ok "attach s3-lex"
expect '"PolicyName": "s3-lex"' aws iam list-attached-role-policies --role-name lex-logs
expect '"PolicyName": "passrole-lex"' aws iam create-policy --policy-name passrole-lex --policy-document "file://$work/passrole.json"

# Seed 004: the Lambda execution role with AWS's basic execution policy.
cat >"$work/lambda-trust.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "Service": "lambda.amazonaws.com" }, "Action": "sts:AssumeRole" } ] }
JSON
expect '"RoleName": "chat-lambda"' aws iam create-role --role-name chat-lambda --assume-role-policy-document "file://$work/lambda-trust.json"
aws iam attach-role-policy --role-name chat-lambda --policy-arn arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole && ok "attach AWSLambdaBasicExecutionRole"
expect 'AWSLambdaBasicExecutionRole' aws iam list-attached-role-policies --role-name chat-lambda
expect_error 'MalformedPolicyDocument' aws iam create-policy --policy-name bad --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}'
expect_error 'NoSuchEntity' aws iam get-role --role-name no-such-role

# A developer who may assume a deployer role, and nothing else.
aws iam create-user --user-name dev >/dev/null && ok "create user dev"
cat >"$work/dev.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111111111111:role/deployer" } ] }
JSON
aws iam put-user-policy --user-name dev --policy-name assume-deployer --policy-document "file://$work/dev.json" && ok "put dev policy"
cat >"$work/deployer-trust.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::111111111111:root" }, "Action": "sts:AssumeRole" } ] }
JSON
aws iam create-role --role-name deployer --assume-role-policy-document "file://$work/deployer-trust.json" >/dev/null && ok "create role deployer"
aws iam attach-role-policy --role-name deployer --policy-arn arn:aws:iam::aws:policy/IAMReadOnlyAccess && ok "attach IAMReadOnlyAccess"
keys=$(aws iam create-access-key --user-name dev)
dev_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["AccessKeyId"])' <<<"$keys")
dev_secret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["SecretAccessKey"])' <<<"$keys")
as_dev() (unset AWS_PROFILE; export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ACCESS_KEY_ID=$dev_id AWS_SECRET_ACCESS_KEY=$dev_secret; "$@")
expect '"Arn": "arn:aws:iam::111111111111:user/dev"' as_dev aws sts get-caller-identity
expect_error 'User: arn:aws:iam::111111111111:user/dev is not authorized to perform: iam:CreateUser on resource: user mallory because no identity-based policy allows the iam:CreateUser action' \
  as_dev aws iam create-user --user-name mallory
creds=$(as_dev aws sts assume-role --role-arn arn:aws:iam::111111111111:role/deployer --role-session-name deploy-1)
sid=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["AccessKeyId"])' <<<"$creds")
ssecret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["SecretAccessKey"])' <<<"$creds")
stoken=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["SessionToken"])' <<<"$creds")
ok "assume-role deployer"
as_session() (unset AWS_PROFILE; export AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_ACCESS_KEY_ID=$sid AWS_SECRET_ACCESS_KEY=$ssecret AWS_SESSION_TOKEN=$stoken; "$@")
expect '"Arn": "arn:aws:sts::111111111111:assumed-role/deployer/deploy-1"' as_session aws sts get-caller-identity
expect '"UserName": "dev"' as_session aws iam list-users
expect_error 'assumed-role/deployer/deploy-1 is not authorized to perform: iam:CreateRole' \
  as_session aws iam create-role --role-name x --assume-role-policy-document "file://$work/lambda-trust.json"

# The simulator: what may the Lex role do?
expect '"EvalDecision": "allowed"' aws iam simulate-principal-policy --policy-source-arn arn:aws:iam::111111111111:role/lex-logs \
  --action-names s3:PutObject --resource-arns arn:aws:s3:::lex-conversation-logs/2026/11/log.json
expect '"EvalDecision": "implicitDeny"' aws iam simulate-principal-policy --policy-source-arn arn:aws:iam::111111111111:role/lex-logs \
  --action-names s3:DeleteObject --resource-arns arn:aws:s3:::lex-conversation-logs/2026/11/log.json

# ward check on ward's own account, through the CLI's authorization details.
aws iam get-account-authorization-details >"$work/details.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["RoleDetailList"]) == 3 and len(d["Policies"]) == 3, d' "$work/details.json" \
  || fail "get-account-authorization-details does not list the 3 roles and 3 policies"
ok "get-account-authorization-details"
set +e
"$work/ward" check --color never "$work/details.json" >"$work/check.out"
status=$?
set -e
[ "$status" -le 1 ] && grep -q "policies in 1 file checked" "$work/check.out" || { cat "$work/check.out"; fail "ward check on the account details (exit $status)"; }
ok "ward check on the account's authorization details: $(tail -n 1 "$work/check.out")"

grep -q '"action":"iam:CreateUser","resource":"arn:aws:iam::111111111111:user/mallory","decision":"ImplicitDeny"' "$work/data/decisions.log" \
  || fail "the denied call is not in the decision log"
grep '"action":"iam:CreateUser","resource":"arn:aws:iam::111111111111:user/mallory"' "$work/data/decisions.log" \
  | grep -q '"context":{.*"aws:SecureTransport":\["false"\].*"aws:SourceIp":\["127.0.0.1"\]' \
  || { grep mallory "$work/data/decisions.log"; fail "the denial's context is not in the decision log"; }
ok "decision log records the denial, with the context it was decided with"
"$work/ward" log --data "$work/data" --decision denied --caller 'arn:aws:iam::111111111111:user/*' | grep -q "iam:CreateUser" \
  || fail "ward log does not show the denial"
ok "ward log --decision denied"
# ward generate from the decision log: the deployer's session listed users
# and was refused CreateRole. The generated policy, given to a new role,
# lets the same calls through ward serve and still refuses the denied one.
"$work/ward" generate --principal arn:aws:iam::111111111111:role/deployer "$work/data/decisions.log" >"$work/generate.out" \
  || { cat "$work/generate.out"; fail "ward generate on the decision log"; }
grep -q "iam:CreateRole on arn:aws:iam::111111111111:role/x" "$work/generate.out" || { cat "$work/generate.out"; fail "ward generate does not report the refused CreateRole"; }
"$work/ward" generate --principal arn:aws:iam::111111111111:role/deployer --format policy "$work/data/decisions.log" >"$work/deployer-least.json"
grep -q '"iam:ListUsers"' "$work/deployer-least.json" && ! grep -q CreateRole "$work/deployer-least.json" \
  || { cat "$work/deployer-least.json"; fail "the generated policy is not the deployer's calls"; }
ok "ward generate --principal role/deployer on the decision log"
aws iam create-role --role-name deployer-least --assume-role-policy-document "file://$work/deployer-trust.json" >/dev/null && ok "create role deployer-least"
aws iam put-role-policy --role-name deployer-least --policy-name generated --policy-document "file://$work/deployer-least.json" && ok "put the generated policy"
cat >"$work/dev2.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ["arn:aws:iam::111111111111:role/deployer", "arn:aws:iam::111111111111:role/deployer-least"] } ] }
JSON
aws iam put-user-policy --user-name dev --policy-name assume-deployer --policy-document "file://$work/dev2.json" && ok "let dev assume deployer-least"
creds=$(as_dev aws sts assume-role --role-arn arn:aws:iam::111111111111:role/deployer-least --role-session-name replay)
sid=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["AccessKeyId"])' <<<"$creds")
ssecret=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["SecretAccessKey"])' <<<"$creds")
stoken=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Credentials"]["SessionToken"])' <<<"$creds")
expect '"UserName": "dev"' as_session aws iam list-users
expect_error 'assumed-role/deployer-least/replay is not authorized to perform: iam:CreateRole' \
  as_session aws iam create-role --role-name x --assume-role-policy-document "file://$work/lambda-trust.json"
"$work/ward" generate --principal arn:aws:iam::111111111111:role/deployer-least --current "$work/deployer-least.json" "$work/data/decisions.log" >"$work/replay.out" \
  || { cat "$work/replay.out"; fail "the replayed calls need more than the generated policy"; }
grep -q "PASS: the generated policy allows nothing" "$work/replay.out" || { cat "$work/replay.out"; fail "no proof in ward generate --current"; }
ok "the replayed calls are allowed by the generated policy, and regenerating from them needs nothing more"
# Seed 000's chat Lambda role, with ward as its decision point: its calls to
# DynamoDB, S3, Bedrock, Lambda and CloudWatch Logs are decided by
# POST /v1/authorize, and ward generate writes its policy from the decision
# log. The seed's self-invocation pattern function:*-chat does not match the
# function named chat: that call is refused, reported, and not granted.
cat >"$work/chat-policy.json" <<'JSON'
{ "Version": "2012-10-17", "Statement": [
  { "Effect": "Allow", "Action": [ "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem" ], "Resource": [
    "arn:aws:dynamodb:*:*:table/ChatMessage-*", "arn:aws:dynamodb:*:*:table/ChatMessage-*/index/*", "arn:aws:dynamodb:*:*:table/ChatSession-*", "arn:aws:dynamodb:*:*:table/SessionContext-*" ] },
  { "Effect": "Allow", "Action": [ "s3:GetObject", "s3:PutObject" ], "Resource": "arn:aws:s3:::storage-bucket/*" },
  { "Effect": "Allow", "Action": [ "bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream" ], "Resource": "arn:aws:bedrock:*:*:foundation-model/anthropic.claude-*" },
  { "Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [ "arn:aws:lambda:*:*:function:petrophysics-calculator", "arn:aws:lambda:*:*:function:renewable-orchestrator", "arn:aws:lambda:*:*:function:*-chat" ] },
  { "Effect": "Allow", "Action": [ "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents" ], "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/chat:*" } ] }
JSON
aws iam create-role --role-name ChatLambdaRole --path /service-role/ --assume-role-policy-document "file://$work/lambda-trust.json" >/dev/null && ok "create role ChatLambdaRole"
aws iam put-role-policy --role-name ChatLambdaRole --policy-name chat --policy-document "file://$work/chat-policy.json" && ok "put the seed's chat policy"
root_id=$(sed -n 's/^aws_access_key_id *= *//p' "$work/data/credentials")
root_secret=$(sed -n 's/^aws_secret_access_key *= *//p' "$work/data/credentials")
authorize() { # authorize ROLE: POST the chat Lambda's calls for ROLE, print the decisions
  python3 - "$1" >"$work/batch.json" <<'PY'
import json, sys
role = "arn:aws:iam::111111111111:role/service-role/" + sys.argv[1]
calls = [("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111111111111:table/ChatMessage-x7k2-prod"),
         ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111111111111:table/ChatMessage-x7k2-dev"),
         ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:111111111111:table/ChatMessage-x7k2-prod/index/chatSessionId-createdAt-index"),
         ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:111111111111:table/ChatSession-x7k2-prod")]
calls += [("s3:GetObject", "arn:aws:s3:::storage-bucket/wells/las/well-00%d.las" % i) for i in (1, 2, 3)]
calls += [("s3:PutObject", "arn:aws:s3:::storage-bucket/artifacts/2026/11/30/plot.png"),
          ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"),
          ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111111111111:function:petrophysics-calculator"),
          ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111111111111:function:chat"),
          ("logs:CreateLogStream", "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/chat:log-stream:2026/11/30/[$LATEST]0a1b"),
          ("logs:PutLogEvents", "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/chat:log-stream:2026/11/30/[$LATEST]0a1b")]
print(json.dumps({"requests": [{"principal": role, "action": a, "resource": r} for a, r in calls]}))
PY
  curl -fsS --aws-sigv4 "aws:amz:us-east-1:ward" --user "$root_id:$root_secret" -H 'Content-Type: application/json' \
    --data-binary "@$work/batch.json" "$endpoint/v1/authorize" \
    | python3 -c 'import json,sys; print(" ".join(a["decision"] for a in json.load(sys.stdin)["results"]))'
}
decisions=$(authorize ChatLambdaRole)
[ "$decisions" = "Allowed Allowed Allowed Allowed Allowed Allowed Allowed Allowed Allowed Allowed ImplicitDeny Allowed Allowed" ] \
  || fail "the chat role's calls under the seed's policy: $decisions"
ok "POST /v1/authorize decides the chat role's 13 calls (the seed's *-chat pattern refuses function:chat)"
"$work/ward" generate --principal arn:aws:iam::111111111111:role/service-role/ChatLambdaRole "$work/data/decisions.log" >"$work/chat-generate.out" \
  || { cat "$work/chat-generate.out"; fail "ward generate for the chat role"; }
grep -q "lambda:InvokeFunction on arn:aws:lambda:us-east-1:111111111111:function:chat: 1 call (ImplicitDeny)" "$work/chat-generate.out" \
  && grep -q '"arn:aws:s3:::storage-bucket/wells/las/\*"' "$work/chat-generate.out" \
  || { cat "$work/chat-generate.out"; fail "ward generate's chat policy"; }
ok "ward generate for the chat role: wells/las/* from three keys, the refused self-invocation reported"
"$work/ward" generate --principal arn:aws:iam::111111111111:role/service-role/ChatLambdaRole --format policy "$work/data/decisions.log" >"$work/chat-least.json"
aws iam create-role --role-name ChatLeast --path /service-role/ --assume-role-policy-document "file://$work/lambda-trust.json" >/dev/null && ok "create role ChatLeast"
aws iam put-role-policy --role-name ChatLeast --policy-name generated --policy-document "file://$work/chat-least.json" && ok "put the generated chat policy"
decisions=$(authorize ChatLeast)
[ "$decisions" = "Allowed Allowed Allowed Allowed Allowed Allowed Allowed Allowed Allowed Allowed ImplicitDeny Allowed Allowed" ] \
  || fail "the chat role's calls replayed under the generated policy: $decisions"
ok "every call the seed's policy allowed is allowed under the generated one, and the refused one still refused"
"$work/ward" doc "$work/chat-least.json" >"$work/chat-least.md" || fail "ward doc on the generated chat policy"
grep -q '^### `s3:GetObject`' "$work/chat-least.md" && grep -q 'arn:aws:s3:::storage-bucket/wells/las/\*' "$work/chat-least.md" \
  && "$work/ward" doc --check "$work/chat-least.md" "$work/chat-least.json" >/dev/null \
  || { cat "$work/chat-least.md"; fail "ward doc's document of the generated chat policy"; }
ok "ward doc documents the generated chat policy, and --check holds it"

# The account as ward serve holds it, read with the CLI, documented one
# document per role and user: the roles given generated policies among them.
aws iam get-account-authorization-details >"$work/account.json" || fail "get-account-authorization-details"
"$work/ward" doc --out "$work/iam-docs" "$work/account.json" >"$work/doc-out.txt" || { cat "$work/doc-out.txt"; fail "ward doc --out on the account"; }
grep -q '^- Who can assume it: the service lambda.amazonaws.com' "$work/iam-docs/role-ChatLeast.md" \
  && grep -q '^  - inline policy `generated`' "$work/iam-docs/role-ChatLeast.md" \
  && grep -q 'arn:aws:s3:::storage-bucket/wells/las/\*' "$work/iam-docs/role-ChatLeast.md" \
  && grep -q '^  - inline policy `generated`' "$work/iam-docs/role-deployer-least.md" \
  || { ls "$work/iam-docs"; cat "$work/iam-docs/role-ChatLeast.md"; fail "ward doc's documents of the account"; }
"$work/ward" doc --check "$work/iam-docs" "$work/account.json" >/dev/null || fail "ward doc --check on the account's folder"
ok "ward doc documents every role and user of the account ward serve holds, the generated ones among them"
# The same account read by ward doc itself, signed with the profile ward
# serve wrote: the documents are the ones written from the CLI's reading,
# but for the line that says what they were written from and the line
# numbers of findings (placed in the JSON each reading made; their JSON
# paths are the same).
"$work/ward" doc --endpoint "$endpoint" --out "$work/iam-docs-live" >"$work/doc-live.txt" 2>&1 \
  && "$work/ward" doc --endpoint "$endpoint" --check "$work/iam-docs-live" >>"$work/doc-live.txt" 2>&1 \
  || { cat "$work/doc-live.txt"; fail "ward doc --endpoint on the running account"; }
same_docs() { sed -E '3d; s/ at line [0-9]+ \(/ (/' "$1"; }
for doc in "$work"/iam-docs/*.md; do
  diff <(same_docs "$doc") <(same_docs "$work/iam-docs-live/$(basename "$doc")") \
    || fail "ward doc --endpoint: $(basename "$doc") differs from the one written from the CLI's account details"
done
[ "$(ls "$work/iam-docs" | wc -l)" -eq "$(ls "$work/iam-docs-live" | wc -l)" ] || fail "ward doc --endpoint wrote other documents"
ok "ward doc --endpoint reads the running account: the same documents"
echo "$pass passed, 0 failed"
