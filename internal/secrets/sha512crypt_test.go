package secrets

import "testing"

// The vectors are the specification's own test cases.
func TestSHA512Crypt(t *testing.T) {
	for _, c := range []struct {
		salt, password string
		rounds         int
		want           string
	}{
		{"saltstring", "Hello world!", 5000, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"},
		{"saltstringsaltstring", "Hello world!", 10000, "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."},
		{"roundstoolow", "the minimum number is still observed", 1000, "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX."},
	} {
		if got := sha512Crypt([]byte(c.password), []byte(c.salt), c.rounds); got != c.want {
			t.Errorf("sha512Crypt(%q, %q, %d) = %s, want %s", c.password, c.salt, c.rounds, got, c.want)
		}
	}
}
