package auth

// CachedTokens returns how many verified tokens v remembers.
func CachedTokens(v *Verifier) int {
	if v.cache == nil {
		return 0
	}
	n, _ := v.cache.len()
	return n
}
