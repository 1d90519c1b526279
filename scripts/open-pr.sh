#!/usr/bin/env bash
# open-pr.sh BRANCH TITLE BODY FILE...
# Commits FILE... (when they changed) on BRANCH from the current commit, pushes it with GH_TOKEN and opens a pull
# request against the default branch, or updates the branch of the one already open. For the workflows that
# propose a change they computed (lock-tools.yml: the tools lock; rebuild.yml: the base image digest). Pull requests
# opened with the workflow token do not start other workflows: close and reopen one to run CI on it.
set -euo pipefail

branch=${1:?usage: open-pr.sh BRANCH TITLE BODY FILE...}
title=${2:?usage: open-pr.sh BRANCH TITLE BODY FILE...}
body=${3:?usage: open-pr.sh BRANCH TITLE BODY FILE...}
shift 3
[ "$#" -gt 0 ] || { echo "open-pr.sh: no files to commit" >&2; exit 2; }
: "${GH_TOKEN:?GH_TOKEN must be set (the workflow token, with contents and pull-requests write)}"
: "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY must be set}"

if git diff --quiet -- "$@"; then
  echo "open-pr.sh: $* unchanged, nothing to propose"
  exit 0
fi
git -c user.name="github-actions[bot]" -c user.email="41898282+github-actions[bot]@users.noreply.github.com" \
  commit --quiet -m "$title" -m "$body" -- "$@"
git push --force --quiet "https://x-access-token:${GH_TOKEN}@${GITHUB_SERVER_URL#https://}/${GITHUB_REPOSITORY}.git" "HEAD:refs/heads/$branch"
if [ -n "$(gh pr list --head "$branch" --state open --json number --jq '.[0].number // empty')" ]; then
  echo "open-pr.sh: updated the open pull request for $branch"
else
  gh pr create --head "$branch" --title "$title" --body "$body"
fi
