package httpapi

import "context"

// closeAll closes every socket with 1012 and refuses new ones: the server is shutting down, and clients reconnect
// to another instance and resume from their cursors. It waits until the sockets' handlers are done (their close
// handshakes finished, or the connections broke) or ctx ends.
func (s *sockets) closeAll(ctx context.Context) {
	s.mu.Lock()
	first := !s.draining
	s.draining = true
	open := make([]*socket, 0, len(s.conns))
	for sock := range s.conns {
		open = append(open, sock)
	}
	s.mu.Unlock()
	for _, sock := range open {
		sock.close(closeRestart, "server restarting")
	}
	if first && len(open) > 0 {
		s.logger.Info("shutting down: websockets closed with 1012", "sockets", len(open))
	}
	waitFor(ctx, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.conns) == 0
	})
}

// closeOnDrain closes every socket (closeAll) once draining is closed; a nil channel never is.
func (s *sockets) closeOnDrain(draining <-chan struct{}) {
	if draining == nil {
		return
	}
	go func() {
		<-draining
		s.closeAll(context.Background())
	}()
}
