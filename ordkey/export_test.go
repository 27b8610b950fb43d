package ordkey

// BetweenUnbounded is Between without MaxLen, for measuring how far keys would grow with no renumbering.
var BetweenUnbounded = between
