module github.com/ocopvn/ocop/services/demand

go 1.26.0
