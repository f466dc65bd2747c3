module github.com/ocopvn/ocop/services/fairs

go 1.26.0
