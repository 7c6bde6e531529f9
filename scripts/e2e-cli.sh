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
ok "decision log records the denial"
"$work/ward" log --data "$work/data" --decision denied --caller 'arn:aws:iam::111111111111:user/*' | grep -q "iam:CreateUser" \
  || fail "ward log does not show the denial"
ok "ward log --decision denied"
echo "$pass passed, 0 failed"
