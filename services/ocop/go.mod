module github.com/ocopvn/ocop/services/ocop

go 1.26.0
