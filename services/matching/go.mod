module github.com/ocopvn/ocop/services/matching

go 1.26.0
