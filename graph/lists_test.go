package graph_test

import (
	"encoding/base64"
	"testing"

	"taskapi/internal/apitest"
)

const listFields = `id name isInbox viewerRole createdAt updatedAt members { user { id name email } role joinedAt }`

// createList makes a list for user and returns it, failing the test on any error or userError.
func createList(t *testing.T, a *apitest.API, user, name string) map[string]any {
	t.Helper()
	r := a.Do(user, `mutation($name: String!) { createList(input: {name: $name}) { list { `+listFields+` } userErrors { code } } }`,
		map[string]any{"name": name}).NoErrors(t)
	if errs := apitest.Path(r.Data, "createList", "userErrors").([]any); len(errs) > 0 {
		t.Fatalf("createList(%q): %v", name, errs)
	}
	return apitest.Path(r.Data, "createList", "list").(map[string]any)
}

// invite makes an invitation to list and returns its token.
func invite(t *testing.T, a *apitest.API, owner, list, role string) string {
	t.Helper()
	r := a.Do(owner, `mutation($id: ID!, $role: ListRole!) { createListInvitation(listId: $id, role: $role, expiresIn: 60) {
		token invitation { id role list { name } invitedBy { id } } userErrors { code field } } }`,
		map[string]any{"id": list, "role": role}).NoErrors(t)
	tok := apitest.Str(apitest.Path(r.Data, "createListInvitation", "token"))
	if tok == "" {
		t.Fatalf("createListInvitation: %v", r.Data)
	}
	return tok
}

func TestSharingThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		r := a.Do("alice", `{ lists { name isInbox viewerRole } }`, nil).NoErrors(t)
		if lists := apitest.Path(r.Data, "lists").([]any); len(lists) != 1 || apitest.Path(lists[0], "isInbox") != true ||
			apitest.Path(lists[0], "viewerRole") != "OWNER" {
			t.Fatalf("a new user's lists: %v", r.Data)
		}
		list := createList(t, a, "alice", "Groceries")
		id := apitest.Str(list["id"])

		tok := invite(t, a, "alice", id, "EDITOR")
		r = a.Do("bob", `query($t: String!) { invitation(token: $t) { role list { name viewerRole members { role } } invitedBy { id name email } } }`,
			map[string]any{"t": tok}).NoErrors(t)
		if apitest.Path(r.Data, "invitation", "list", "name") != "Groceries" || apitest.Path(r.Data, "invitation", "invitedBy", "name") != "User alice" ||
			apitest.Path(r.Data, "invitation", "invitedBy", "email") != nil || len(apitest.Path(r.Data, "invitation", "list", "members").([]any)) != 0 {
			t.Errorf("the preview: %v", r.Data)
		}
		r = a.Do("bob", `mutation($t: String!) { acceptListInvitation(token: $t) { list { id viewerRole members { user { id email } role } } userErrors { code } } }`,
			map[string]any{"t": tok}).NoErrors(t)
		members := apitest.Path(r.Data, "acceptListInvitation", "list", "members").([]any)
		if apitest.Path(r.Data, "acceptListInvitation", "list", "viewerRole") != "EDITOR" || len(members) != 2 ||
			apitest.Path(members[0], "role") != "OWNER" || apitest.Path(members[0], "user", "email") != "alice@example.com" {
			t.Errorf("accepting: %v", r.Data)
		}
		r = a.Do("carol", `mutation($t: String!) { acceptListInvitation(token: $t) { list { id } userErrors { code field message } } }`,
			map[string]any{"t": tok}).NoErrors(t)
		if apitest.Path(r.Data, "acceptListInvitation", "userErrors", 0, "code") != "INVALID" ||
			apitest.Path(r.Data, "acceptListInvitation", "userErrors", 0, "field", 0) != "token" {
			t.Errorf("a spent token: %v", r.Data)
		}

		// An EDITOR may not rename: FORBIDDEN in the payload; may not delete: FORBIDDEN at the top.
		r = a.Do("bob", `mutation($id: ID!) { updateList(id: $id, input: {name: "mine"}) { list { id } userErrors { code field } } }`,
			map[string]any{"id": id}).NoErrors(t)
		if apitest.Path(r.Data, "updateList", "list") != nil || apitest.Path(r.Data, "updateList", "userErrors", 0, "code") != "FORBIDDEN" {
			t.Errorf("an EDITOR renaming: %v", r.Data)
		}
		r = a.Do("bob", `mutation($id: ID!) { deleteList(id: $id) { deletedListId } }`, map[string]any{"id": id})
		if r.Code(t) != "FORBIDDEN" || apitest.Path(r.Data, "deleteList") != nil {
			t.Errorf("an EDITOR deleting: %+v", r)
		}
		r = a.Do("bob", `query($id: ID!) { listInvitations(listId: $id) { id } }`, map[string]any{"id": id})
		if r.Code(t) != "FORBIDDEN" {
			t.Errorf("an EDITOR listing invitations: %+v", r)
		}

		// The Inbox cannot be deleted: BAD_USER_INPUT.
		inbox := apitest.Str(apitest.Path(a.Do("alice", `{ lists { id } }`, nil).NoErrors(t).Data, "lists", 0, "id"))
		r = a.Do("alice", `mutation($id: ID!) { deleteList(id: $id) { deletedListId } }`, map[string]any{"id": inbox})
		if r.Code(t) != "BAD_USER_INPUT" {
			t.Errorf("deleting the Inbox: %+v", r)
		}

		// node and nodes serve lists to members only.
		r = a.Do("bob", `query($id: ID!) { node(id: $id) { id ... on TaskList { name } } nodes(ids: [$id]) { id } }`,
			map[string]any{"id": id}).NoErrors(t)
		if apitest.Path(r.Data, "node", "name") != "Groceries" || apitest.Path(r.Data, "nodes", 0, "id") != id {
			t.Errorf("node of a shared list: %v", r.Data)
		}

		// Removal: bob stops seeing the list at once.
		r = a.Do("alice", `mutation($id: ID!) { removeListMember(listId: $id, userId: "bob") { list { members { user { id } } } userErrors { code } } }`,
			map[string]any{"id": id}).NoErrors(t)
		if len(apitest.Path(r.Data, "removeListMember", "list", "members").([]any)) != 1 {
			t.Errorf("removing bob: %v", r.Data)
		}
		r = a.Do("bob", `query($id: ID!) { list(id: $id) { id } node(id: $id) { id } lists { name } }`, map[string]any{"id": id}).NoErrors(t)
		if apitest.Path(r.Data, "list") != nil || apitest.Path(r.Data, "node") != nil || len(apitest.Path(r.Data, "lists").([]any)) != 1 {
			t.Errorf("bob after removal: %v", r.Data)
		}

		r = a.Do("alice", `mutation($id: ID!) { deleteList(id: $id) { deletedListId deletedTaskIds } }`, map[string]any{"id": id}).NoErrors(t)
		if apitest.Path(r.Data, "deleteList", "deletedListId") != id {
			t.Errorf("deleting: %v", r.Data)
		}
	})
}

// TestListIsolationThroughAPI: a list the viewer is not a member of, one that never existed and a malformed id
// get the same answers, with the same message.
func TestListIsolationThroughAPI(t *testing.T) {
	apitest.ForEachDB(t, func(t *testing.T, kind string) {
		a := apitest.New(t, kind)
		foreign := apitest.Str(createList(t, a, "alice", "secret")["id"])
		missing := base64.RawURLEncoding.EncodeToString([]byte("TaskList:0193a0f2-7e5c-7bbb-8000-000000000000"))
		ids := []string{foreign, missing, "not-an-id"}
		mutations := map[string]string{
			"updateList":           `mutation($id: ID!) { updateList(id: $id, input: {name: ""}) { list { id } userErrors { code } } }`,
			"deleteList":           `mutation($id: ID!) { deleteList(id: $id) { deletedListId } }`,
			"createListInvitation": `mutation($id: ID!) { createListInvitation(listId: $id, expiresIn: 1) { token userErrors { code } } }`,
			"setListMemberRole":    `mutation($id: ID!) { setListMemberRole(listId: $id, userId: "alice", role: VIEWER) { list { id } userErrors { code } } }`,
			"removeListMember":     `mutation($id: ID!) { removeListMember(listId: $id, userId: "alice") { list { id } userErrors { code } } }`,
			"listInvitations":      `query($id: ID!) { listInvitations(listId: $id) { id } }`,
		}
		for name, q := range mutations {
			var messages []string
			for _, id := range ids {
				r := a.Do("bob", q, map[string]any{"id": id})
				if r.Code(t) != "NOT_FOUND" || apitest.Path(r.Data, name) != nil {
					t.Errorf("%s of %s: %+v", name, id, r)
					continue
				}
				messages = append(messages, r.Errors[0].Message)
			}
			if len(messages) == 3 && (messages[0] != messages[1] || messages[1] != messages[2]) {
				t.Errorf("%s: messages differ: %q", name, messages)
			}
		}
		for _, id := range ids {
			r := a.Do("bob", `query($id: ID!) { list(id: $id) { id } node(id: $id) { id } nodes(ids: [$id]) { id } }`,
				map[string]any{"id": id}).NoErrors(t)
			if apitest.Path(r.Data, "list") != nil || apitest.Path(r.Data, "node") != nil || apitest.Path(r.Data, "nodes", 0) != nil {
				t.Errorf("reads of %s: %v", id, r.Data)
			}
		}
		// A user id bob shares no list with: NOT_FOUND, even on bob's own list.
		own := apitest.Str(createList(t, a, "bob", "mine")["id"])
		r := a.Do("bob", `mutation($id: ID!) { setListMemberRole(listId: $id, userId: "alice", role: VIEWER) { list { id } } }`,
			map[string]any{"id": own})
		if r.Code(t) != "NOT_FOUND" {
			t.Errorf("a stranger's user id: %+v", r)
		}
	})
}
