module github.com/larderdb/larder

go 1.26.8
