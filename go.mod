module github.com/wardhq/ward

go 1.26
