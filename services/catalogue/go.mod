module github.com/ocopvn/ocop/services/catalogue

go 1.26.0
