#!/usr/bin/env bash
# Runs one table's DDL in Athena (called by terraform_data.ddl): DROP TABLE IF EXISTS, then the
# CREATE EXTERNAL TABLE statement in $QUERY. Dropping an external table leaves its data in the lake.
# Needs the AWS CLI and the caller's credentials. Env: AWS_REGION WORKGROUP DATABASE TABLE QUERY.
set -euo pipefail

run() {
  local id state
  id=$(aws athena start-query-execution --work-group "$WORKGROUP" \
    --query-execution-context "Database=$DATABASE" --query-string "$1" \
    --query QueryExecutionId --output text)
  while true; do
    state=$(aws athena get-query-execution --query-execution-id "$id" \
      --query QueryExecution.Status.State --output text)
    case "$state" in
      SUCCEEDED) return 0 ;;
      FAILED | CANCELLED)
        echo "athena: $DATABASE.$TABLE: query $id $state:" >&2
        aws athena get-query-execution --query-execution-id "$id" \
          --query QueryExecution.Status.StateChangeReason --output text >&2
        return 1 ;;
    esac
    sleep 2
  done
}

run "DROP TABLE IF EXISTS \`$DATABASE\`.\`$TABLE\`"
run "$QUERY"
echo "athena: $DATABASE.$TABLE created in workgroup $WORKGROUP"
