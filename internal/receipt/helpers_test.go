package receipt_test

import "crypto"

const cryptoSHA256 = crypto.SHA256
