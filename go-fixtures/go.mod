module goapptrace-proto/go-fixtures

go 1.22
