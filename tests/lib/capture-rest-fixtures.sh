#!/bin/bash
# capture-rest-fixtures.sh — regenerates fixtures/rest/vcsim/: vcsim's answers to the
# vSphere Automation REST (tagging) requests vtrunk sends, captured with curl, one file an
# answer body, plus fixtures/rest/vcsim/INDEX ("file status method path" a line).
#
# Usage: tests/lib/capture-rest-fixtures.sh   (from anywhere; builds vcsim when missing)
#
# tests/unit/test_tag.c reads these files. Ids and the session token are fresh UUIDs each
# run; after regenerating run `make unit` and review `git diff fixtures/rest/vcsim`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root" || exit 1
dest=fixtures/rest/vcsim
PY=/usr/bin/python3

make -s build/vcsim || exit 1
# shellcheck source=tests/lib/vcsim.sh disable=SC1091
. "$here/vcsim.sh"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
vcsim_start --vms 2 --trap || exit 1
base=${VCSIM_URL%/sdk}
mkdir -p "$dest"
rm -f "$dest"/*.json "$dest"/*.txt "$dest/INDEX"
token=""

# req NAME METHOD PATH [BODY]: sends it (with the session header once there is one) and
# writes the answer body to $dest/NAME (NAME's extension says what it holds).
req() {
	local name=$1 method=$2 path=$3 body=${4-} st
	local args=(-sk -X "$method" -o "$dest/$name" -w '%{http_code}'
		-H 'Accept: application/json' -H 'Content-Type: application/json')
	[ -n "$token" ] && args+=(-H "vmware-api-session-id: $token")
	[ -n "$body" ] && args+=(--data-binary "$body")
	st=$(curl "${args[@]}" "$base$path") || { echo "curl failed: $method $path" >&2; exit 1; }
	printf '%s %s %s %s\n' "$name" "$st" "$method" "$path" >>"$dest/INDEX"
}
# value FILE: the "value" member of a /rest answer.
value() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["value"])' "$dest/$1"; }

# Login: vcsim has no /api at all; /rest takes any non-empty Basic credentials.
req api-session-404.txt POST /api/session
st=$(curl -sk -X POST -u "$VCSIM_USER:$VCSIM_PASSWORD" -H 'vmware-use-header-authn: true' \
	-o "$dest/session.json" -w '%{http_code}' "$base/rest/com/vmware/cis/session")
printf 'session.json %s POST /rest/com/vmware/cis/session\n' "$st" >>"$dest/INDEX"
token=$(value session.json)
saved=$token token=""
req unauthenticated-401.txt GET /rest/com/vmware/cis/tagging/category
token=$saved

R=/rest/com/vmware/cis/tagging
req category-list-empty.json GET $R/category
req category-create.json POST $R/category \
	'{"create_spec":{"name":"vtrunk","description":"Made by vtrunk for the VMs and port groups it manages.","cardinality":"MULTIPLE","associable_types":["VirtualMachine","DistributedVirtualPortgroup"]}}'
cat=$(value category-create.json)
req category-create-already_exists.json POST $R/category \
	'{"create_spec":{"name":"vtrunk","description":"again","cardinality":"MULTIPLE","associable_types":["VirtualMachine"]}}'
req category-create-other.json POST $R/category \
	'{"create_spec":{"name":"other","description":"a second category","cardinality":"SINGLE","associable_types":[]}}'
req category-list.json GET $R/category
req category-get.json GET "$R/category/id:$cat"
req category-get-404.txt GET "$R/category/id:urn:vmomi:InventoryServiceCategory:00000000-0000-0000-0000-000000000000:GLOBAL"
req tag-list-for-category-empty.json POST "$R/tag/id:$cat?~action=list-tags-for-category" "{\"category_id\":\"$cat\"}"
req tag-create.json POST $R/tag "{\"create_spec\":{\"name\":\"kasm\",\"description\":\"Made by vtrunk.\",\"category_id\":\"$cat\"}}"
tag=$(value tag-create.json)
req tag-create-already_exists.json POST $R/tag "{\"create_spec\":{\"name\":\"kasm\",\"description\":\"x\",\"category_id\":\"$cat\"}}"
req tag-create-second.json POST $R/tag "{\"create_spec\":{\"name\":\"agents\",\"description\":\"x\",\"category_id\":\"$cat\"}}"
req tag-list-for-category.json POST "$R/tag/id:$cat?~action=list-tags-for-category" "{\"category_id\":\"$cat\"}"
req tag-list.json GET $R/tag
req tag-get.json GET "$R/tag/id:$tag"
req list-attached-objects-empty.json POST "$R/tag-association/id:$tag?~action=list-attached-objects" null
req list-attached-objects-nobody-400.txt POST "$R/tag-association/id:$tag?~action=list-attached-objects"
req attach-tag-to-multiple-objects.json POST "$R/tag-association/id:$tag?~action=attach-tag-to-multiple-objects" \
	'{"object_ids":[{"id":"vm-60","type":"VirtualMachine"},{"id":"vm-63","type":"VirtualMachine"},{"id":"dvportgroup-13","type":"DistributedVirtualPortgroup"}]}'
req list-attached-objects.json POST "$R/tag-association/id:$tag?~action=list-attached-objects" null
# The tags on objects (a lookup's first question): vm-61 carries none (vcsim: null).
req list-attached-tags-on-objects.json POST "$R/tag-association?~action=list-attached-tags-on-objects" \
	'{"object_ids":[{"id":"vm-60","type":"VirtualMachine"},{"id":"vm-61","type":"VirtualMachine"},{"id":"dvportgroup-13","type":"DistributedVirtualPortgroup"}]}'
req list-attached-tags-on-objects-empty.json POST "$R/tag-association?~action=list-attached-tags-on-objects" '{"object_ids":[]}'
# vcsim 0.24 has no detach-tag-from-multiple-objects: an empty 200, and nothing detached.
req detach-tag-from-multiple-objects.json POST "$R/tag-association/id:$tag?~action=detach-tag-from-multiple-objects" \
	'{"object_ids":[{"id":"vm-60","type":"VirtualMachine"}]}'
req list-attached-objects-after-detach-multiple.json POST "$R/tag-association/id:$tag?~action=list-attached-objects" null
req detach.json POST "$R/tag-association/id:$tag?~action=detach" '{"object_id":{"id":"vm-60","type":"VirtualMachine"}}'
req list-attached-objects-after-detach.json POST "$R/tag-association/id:$tag?~action=list-attached-objects" null
req logout.json DELETE /rest/com/vmware/cis/session
# No session left: every request is refused.
req after-logout-401.txt GET $R/category
echo "wrote $(wc -l <"$dest/INDEX") answers to $dest"
