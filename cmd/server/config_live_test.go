package main

import (
	"strings"
	"testing"
	"time"
)

func TestLoadConfigLive(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := loadConfig(env())
		if err != nil {
			t.Fatal(err)
		}
		if c.EventRetention != 168*time.Hour || c.TrashRetention != 720*time.Hour || c.DatabaseListenURL != "" || c.MaxSubscriptionsPerUser != 20 {
			t.Errorf("retention %s, listen %q, max %d", c.EventRetention, c.DatabaseListenURL, c.MaxSubscriptionsPerUser)
		}
		if c.MaxSockets != 10000 || c.MaxSocketsPerUser != 50 || c.MaxSocketsPerAddress != 500 {
			t.Errorf("sockets %d, per user %d, per address %d; want 10000, 50, 500", c.MaxSockets, c.MaxSocketsPerUser, c.MaxSocketsPerAddress)
		}
	})
	t.Run("Set", func(t *testing.T) {
		c, err := loadConfig(env("DATABASE_URL", "postgres://u@pooler/db", "BETTER_AUTH_SECRET", secret,
			"EVENT_RETENTION", "24h", "DATABASE_LISTEN_URL", "postgresql://u@direct/db", "MAX_SUBSCRIPTIONS_PER_USER", "3",
			"MAX_SOCKETS", "500", "MAX_SOCKETS_PER_USER", "5", "MAX_SOCKETS_PER_ADDRESS", "0"))
		if err != nil {
			t.Fatal(err)
		}
		if c.EventRetention != 24*time.Hour || c.DatabaseListenURL != "postgresql://u@direct/db" || c.MaxSubscriptionsPerUser != 3 ||
			c.MaxSockets != 500 || c.MaxSocketsPerUser != 5 || c.MaxSocketsPerAddress != 0 {
			t.Errorf("%+v", c)
		}
	})
	for name, tc := range map[string]struct {
		env  []string
		want string
	}{
		"RetentionTooShort":          {[]string{"EVENT_RETENTION", "30s"}, "EVENT_RETENTION"},
		"RetentionNotADuration":      {[]string{"EVENT_RETENTION", "a week"}, "EVENT_RETENTION"},
		"TrashRetentionTooShort":     {[]string{"TRASH_RETENTION", "30s"}, "TRASH_RETENTION"},
		"TrashRetentionNotADuration": {[]string{"TRASH_RETENTION", "a month"}, "TRASH_RETENTION"},
		"ListenWithoutPostgres":      {[]string{"DATABASE_LISTEN_URL", "postgres://u@h/db"}, "DATABASE_LISTEN_URL"},
		"ListenNotPostgres": {[]string{"DATABASE_URL", "postgres://u@h/db", "BETTER_AUTH_SECRET", secret,
			"DATABASE_LISTEN_URL", "mysql://h/db"}, "DATABASE_LISTEN_URL"},
		"MaxSubscriptionsZero":         {[]string{"MAX_SUBSCRIPTIONS_PER_USER", "0"}, "MAX_SUBSCRIPTIONS_PER_USER"},
		"MaxSubscriptionsWord":         {[]string{"MAX_SUBSCRIPTIONS_PER_USER", "many"}, "MAX_SUBSCRIPTIONS_PER_USER"},
		"MaxSocketsZero":               {[]string{"MAX_SOCKETS", "0"}, "MAX_SOCKETS"},
		"MaxSocketsPerUserZero":        {[]string{"MAX_SOCKETS_PER_USER", "0"}, "MAX_SOCKETS_PER_USER"},
		"MaxSocketsPerAddressNegative": {[]string{"MAX_SOCKETS_PER_ADDRESS", "-1"}, "MAX_SOCKETS_PER_ADDRESS"},
		"MaxSocketsPerAddressWord":     {[]string{"MAX_SOCKETS_PER_ADDRESS", "lots"}, "MAX_SOCKETS_PER_ADDRESS"},
		"MaxSocketsPerUserAboveMaxSockets": {[]string{"MAX_SOCKETS", "20", "MAX_SOCKETS_PER_USER", "30"},
			"MAX_SOCKETS_PER_USER=30 is above MAX_SOCKETS=20"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(env(tc.env...))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one naming %s", err, tc.want)
			}
		})
	}
}
