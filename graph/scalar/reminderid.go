package scalar

import (
	"encoding/base64"

	"github.com/google/uuid"
)

// reminderIDPrefix makes reminder ids distinct from task ids (see taskIDPrefix), though both are UUIDs inside.
const reminderIDPrefix = "Reminder:"

// ReminderID returns the opaque id of a reminder, as Reminder.id writes it.
func ReminderID(id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(reminderIDPrefix + id.String()))
}
