package model

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Assignees. A task is assigned to nobody or to one member of its list, and stays so: assigning reads the
// assignee's membership in the write's transaction, after writeRole has taken the list's row, and every change
// that ends a membership or takes a task out of the assignee's reach unassigns in its own transaction. A removal
// (RemoveListMember) locks the list's row FOR UPDATE before it reads or writes anything, so an assignment and a
// removal of the same member are ordered: the assignment commits first and the removal then unassigns the task,
// or the removal commits first and the assignment finds the member gone.

// AssigneeNotMemberMessage is the message of an assigneeId that shares a list with the viewer but is not a member
// of the task's list. A user id the viewer shares no list with is ErrUserNotFound instead, exactly as an id that
// names nobody, so that the answer tells nobody who exists.
const AssigneeNotMemberMessage = "The assignee must be a member of the task's list."

// checkAssignee checks memberID as the assignee of a task in listID, a list the user is a member of (whose row the
// write holds through writeRole): nil when they are a member of it; ErrUserNotFound when they share no list with
// the user, as for an id that names nobody (the contract's rule for every user id argument); otherwise an INVALID
// problem at ["input", "assigneeId"] added to p.
func checkAssignee(ctx context.Context, db bun.IDB, userID string, listID uuid.UUID, memberID string, p *problems) error {
	if ok, err := isListMember(ctx, db, userID, listID, memberID); err != nil || ok {
		return err
	}
	known, err := sharesAList(ctx, db, userID, memberID)
	if err != nil {
		return err
	}
	if !known {
		return ErrUserNotFound
	}
	p.add(UserErrorCodeInvalid, AssigneeNotMemberMessage, "input", "assigneeId")
	return nil
}

// sharesAList reports whether memberID is a member of any list the user is a member of.
func sharesAList(ctx context.Context, db bun.IDB, userID, memberID string) (bool, error) {
	if !plainText(memberID) {
		return false, nil
	}
	return db.NewSelect().TableExpr("list_members AS m").Where("m.user_id = ?", memberID).
		Where("m.list_id IN ("+memberOf+")", userID).Exists(ctx)
}

// isListMember reports whether memberID is a member of listID, a list the user is a member of (false when the user
// is not). On PostgreSQL the caller holds the list's row (writeRole), which keeps the answer true until it commits.
func isListMember(ctx context.Context, db bun.IDB, userID string, listID uuid.UUID, memberID string) (bool, error) {
	if !plainText(memberID) {
		return false, nil // no member has such an id, and PostgreSQL would refuse it as a parameter
	}
	return db.NewSelect().TableExpr("list_members AS m").Where("m.list_id = ?", listID).
		Where("m.user_id = ?", memberID).Where("m.list_id IN ("+memberOf+")", userID).Exists(ctx)
}

// unassignOutside unassigns task, in memory, when its assignee is not a member of listID, the list the task is
// moving to (a list the user is a member of, whose row the write holds through writeRole), and reports whether it
// did: the caller then writes assignee_id with the move, and names "assignee" among the changed fields.
func unassignOutside(ctx context.Context, db bun.IDB, userID string, task *Task, listID uuid.UUID) (bool, error) {
	if task.AssigneeID == nil {
		return false, nil
	}
	ok, err := isListMember(ctx, db, userID, listID, *task.AssigneeID)
	if err != nil || ok {
		return false, err
	}
	task.AssigneeID = nil
	return true, nil
}

// unassignMember unassigns memberID from every task of listID, a list the user is a member of, in one statement,
// and records an UPDATED event (fields ["assignee"]) by the user for each live one, which goes to the members the
// list has at commit. Tasks in the trash are unassigned too, without an event (they were DELETED in the feeds), so
// that a restore never brings back a task assigned to someone who is no longer a member. Each task's version moves
// by one. The caller runs it before the membership goes, holding the list's row FOR UPDATE.
func unassignMember(ctx context.Context, tx *writeTx, userID string, listID uuid.UUID, memberID string, now time.Time) error {
	var tasks []*Task
	if _, err := tx.NewUpdate().Model((*Task)(nil)).Set("assignee_id = NULL").Set("updated_at = ?", now).
		Set("version = t.version + 1").Where("t.list_id = ?", listID).Where("t.assignee_id = ?", memberID).
		Where("t.list_id IN ("+memberOf+")", userID).Returning("*").Exec(ctx, &tasks); err != nil {
		return err
	}
	slices.SortFunc(tasks, func(a, b *Task) int { return compareUUID(a.ID, b.ID) })
	for _, t := range tasks {
		if err := t.AfterScanRow(ctx); err != nil {
			return err
		}
		if t.DeletedAt == nil {
			tx.recordTask(userID, now, NewEvent{Kind: TaskEventUpdated, TaskID: t.ID, Task: t, Fields: []string{"assignee"}})
		}
	}
	return nil
}
