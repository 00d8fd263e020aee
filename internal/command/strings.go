package command

// stringCommands are the commands on string values.
var stringCommands = []*Command{
	strCmd("get", 2, FlagReadOnly|FlagFast, 1, 1, 1, "1.0.0", "O(1)",
		"Returns the string value of a key.", cmdGet),
	strCmd("set", -3, FlagWrite|FlagDenyOOM, 1, 1, 1, "1.0.0", "O(1)",
		"Sets the string value of a key, ignoring its type, with optional conditions and expiry.", cmdSet),
	strCmd("setnx", 3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "1.0.0", "O(1)",
		"Sets the string value of a key only when the key does not exist.", cmdSetNX),
	strCmd("setex", 4, FlagWrite|FlagDenyOOM, 1, 1, 1, "2.0.0", "O(1)",
		"Sets the string value of a key with a time to live in seconds.", cmdSetEX),
	strCmd("psetex", 4, FlagWrite|FlagDenyOOM, 1, 1, 1, "2.6.0", "O(1)",
		"Sets the string value of a key with a time to live in milliseconds.", cmdPSetEX),
	strCmd("getset", 3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "1.0.0", "O(1)",
		"Sets the string value of a key and returns the value it replaced.", cmdGetSet),
	strCmd("getdel", 2, FlagWrite|FlagFast, 1, 1, 1, "6.2.0", "O(1)",
		"Returns the string value of a key and deletes the key.", cmdGetDel),
	strCmd("getex", -2, FlagWrite|FlagFast, 1, 1, 1, "6.2.0", "O(1)",
		"Returns the string value of a key, optionally changing or removing its expiry.", cmdGetEX),
	strCmd("mget", -2, FlagReadOnly|FlagFast, 1, -1, 1, "1.0.0",
		"O(N) where N is the number of keys to retrieve.",
		"Returns the string values of several keys.", cmdMGet),
	strCmd("mset", -3, FlagWrite|FlagDenyOOM, 1, -1, 2, "1.0.1",
		"O(N) where N is the number of keys to set.",
		"Sets the string values of several keys at once.", cmdMSet),
	strCmd("msetnx", -3, FlagWrite|FlagDenyOOM, 1, -1, 2, "1.0.1",
		"O(N) where N is the number of keys to set.",
		"Sets the string values of several keys only when none of them exists.", cmdMSetNX),
	strCmd("append", 3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "2.0.0",
		"O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
		"Appends a string to the value of a key, creating the key when it does not exist.", cmdAppend),
	strCmd("strlen", 2, FlagReadOnly|FlagFast, 1, 1, 1, "2.2.0", "O(1)",
		"Returns the length of a string value.", cmdStrlen),
	strCmd("incr", 2, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "1.0.0", "O(1)",
		"Adds one to the integer value of a key.", cmdIncr),
	strCmd("decr", 2, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "1.0.0", "O(1)",
		"Subtracts one from the integer value of a key.", cmdDecr),
	strCmd("incrby", 3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "1.0.0", "O(1)",
		"Adds an integer to the integer value of a key.", cmdIncrBy),
	strCmd("decrby", 3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "1.0.0", "O(1)",
		"Subtracts an integer from the integer value of a key.", cmdDecrBy),
	strCmd("incrbyfloat", 3, FlagWrite|FlagDenyOOM|FlagFast, 1, 1, 1, "2.6.0", "O(1)",
		"Adds a floating point number to the numeric value of a key.", cmdIncrByFloat),
	strCmd("getrange", 4, FlagReadOnly, 1, 1, 1, "2.4.0", rangeComplexity,
		"Returns a substring of a string value.", cmdGetRange),
	strCmd("substr", 4, FlagReadOnly, 1, 1, 1, "1.0.0", rangeComplexity,
		"Returns a substring of a string value (deprecated alias of GETRANGE).", cmdGetRange),
	strCmd("setrange", 4, FlagWrite|FlagDenyOOM, 1, 1, 1, "2.2.0",
		"O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
		"Overwrites part of a string value from an offset, padding with zero bytes.", cmdSetRange),
	strCmd("lcs", -3, FlagReadOnly, 1, 2, 1, "7.0.0",
		"O(N*M) where N and M are the lengths of s1 and s2, respectively",
		"Finds the longest common subsequence of two string values.", cmdLCS),
}

const rangeComplexity = "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."

// strCmd builds a command of the string group, deriving its ACL categories
// from its flags as Redis does (read or write, fast or slow, and string).
func strCmd(name string, arity int, flags Flag, first, last, step int, since, complexity, summary string, h func(*Ctx)) *Command {
	acl := typeACL(flags, "string")
	return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: first, LastKey: last, Step: step,
		ACL: acl, Group: "string", Since: since, Complexity: complexity, Summary: summary, Handler: h}
}
