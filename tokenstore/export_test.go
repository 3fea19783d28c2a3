package tokenstore

// CredentialsNameWith is CredentialsName with the work factor given.
var CredentialsNameWith = credentialsName
