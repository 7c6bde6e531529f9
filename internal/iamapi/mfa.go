package iamapi

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/wardhq/ward/internal/store"
	"github.com/wardhq/ward/internal/totp"
)

const kindMFA = "mfa"

// MFADevice is a virtual MFA device: a TOTP seed (RFC 6238: HMAC-SHA1,
// 30-second steps, 6 digits, as authenticator apps use), sealed like the
// access keys' secrets, and the user it is enabled for.
type MFADevice struct {
	Name     string    `json:"name"`
	Path     string    `json:"path"`
	Serial   string    `json:"serial"` // arn:aws:iam::ACCOUNT:mfa/PATH/NAME
	Seed     []byte    `json:"seed"`   // sealed base32 seed
	Created  time.Time `json:"created"`
	UserName string    `json:"userName,omitempty"`
	UserArn  string    `json:"userArn,omitempty"`
	// UserID is the unique ID of the user the device is enabled for: it
	// follows the user, and never passes to another of the same name.
	UserID  string    `json:"userId,omitempty"`
	Enabled time.Time `json:"enabled,omitzero"`
	// LastStep is the last TOTP step accepted, so that a code is used once.
	LastStep int64 `json:"lastStep,omitempty"`
	Tags     []Tag `json:"tags,omitempty"`
}

// mfaSerialName is the device name at the end of a serial number ARN.
func mfaSerialName(serial string) string {
	return serial[strings.LastIndexByte(serial, '/')+1:]
}

func loadMFA(tx store.Tx, account, serial string) (*MFADevice, error) {
	e, err := tx.Get(account, kindMFA, mfaSerialName(serial))
	if err != nil {
		return nil, noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	var d MFADevice
	if err := decode(e, &d); err != nil {
		return nil, err
	}
	if d.Serial != serial {
		return nil, noSuchEntity("VirtualMFADevice with serial number %s doesn't exist.", serial)
	}
	return &d, nil
}

// userAndDevice reads a user and an MFA device, in the transaction that
// binds or unbinds them.
func userAndDevice(tx store.Tx, account, user, serial string) (*User, *MFADevice, error) {
	u, err := loadUser(tx, account, user)
	if err != nil {
		return nil, nil, err
	}
	d, err := loadMFA(tx, account, serial)
	if err != nil {
		return nil, nil, err
	}
	return u, d, nil
}

func putMFA(tx store.Tx, account string, d *MFADevice) error {
	return tx.Put(&store.Entity{Account: account, Kind: kindMFA, Name: d.Name, Body: marshal(d)})
}

func createVirtualMFADevice(c *call) error {
	name, path, err := c.nameAndPath("VirtualMFADeviceName")
	if err != nil {
		return err
	}
	d := &MFADevice{Name: name, Path: path, Serial: arnOf(c.who.account, "mfa", path, name), Created: c.s.now(), Tags: tagsParam(c.p, "Tags")}
	if err := c.authorize("iam:CreateVirtualMFADevice", d.Serial, tagContext(tagsParam(c.p, "Tags"))); err != nil {
		return err
	}
	seed := totp.NewSeed()
	d.Seed = c.s.Sealer.Seal(seed, mfaBinding(d.Serial))
	if err := c.s.update(c.ctx, func(tx store.Tx) error {
		return createNew(tx, &store.Entity{Account: c.who.account, Kind: kindMFA, Name: name, Body: marshal(d)}, apiErr(409, "EntityAlreadyExists", "MFADevice entity at the same path and name already exists."))
	}); err != nil {
		return err
	}
	c.x.Open("VirtualMFADevice")
	c.x.Elem("SerialNumber", d.Serial)
	// A blob in the Query protocol is base64; the SDKs hand back the
	// base32 seed an authenticator app takes.
	c.x.Elem("Base32StringSeed", base64.StdEncoding.EncodeToString([]byte(seed)))
	c.x.Close("VirtualMFADevice")
	return nil
}

// checkMFACode accepts a code of the device at the current step or the
// one before or after (clock drift), never a step already used.
func (c *call) checkMFACode(d *MFADevice, code string) (int64, bool) {
	seed, err := c.s.Sealer.Open(d.Seed, mfaBinding(d.Serial))
	if err != nil {
		return 0, false
	}
	return totp.Check(seed, code, c.s.now(), d.LastStep)
}

func enableMFADevice(c *call) error {
	v, err := c.p.RequiredAll("UserName", "SerialNumber", "AuthenticationCode1", "AuthenticationCode2")
	if err != nil {
		return err
	}
	user, serial, code1, code2 := v[0], v[1], v[2], v[3]
	if err := c.authorizeOn(kindUser, user, "iam:EnableMFADevice"); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		u, d, err := userAndDevice(tx, c.who.account, user, serial)
		if err != nil {
			return err
		}
		if d.UserName != "" {
			return apiErr(409, "EntityAlreadyExists", "MFA Device is already in use.")
		}
		// Two consecutive codes, as IAM asks, within the last five minutes.
		seed, err := c.s.Sealer.Open(d.Seed, mfaBinding(d.Serial))
		if err != nil {
			return err
		}
		step, ok := totp.CheckPair(seed, code1, code2, c.s.now())
		if !ok {
			return apiErr(403, "InvalidAuthenticationCode", "Authentication code for device is not valid.")
		}
		d.LastStep = step
		d.UserName, d.UserArn, d.UserID, d.Enabled = u.Name, u.Arn, u.ID, c.s.now().UTC()
		return putMFA(tx, c.who.account, d)
	})
}

func deactivateMFADevice(c *call) error {
	v, err := c.p.RequiredAll("UserName", "SerialNumber")
	if err != nil {
		return err
	}
	user, serial := v[0], v[1]
	if err := c.authorizeOn(kindUser, user, "iam:DeactivateMFADevice"); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		u, d, err := userAndDevice(tx, c.who.account, user, serial)
		if err != nil {
			return err
		}
		if d.UserID != u.ID {
			return noSuchEntity("MFA Device with serial number %s does not exist for user %s.", serial, user)
		}
		d.UserName, d.UserArn, d.UserID, d.Enabled = "", "", "", time.Time{}
		return putMFA(tx, c.who.account, d)
	})
}

func deleteVirtualMFADevice(c *call) error {
	serial, err := c.p.Required("SerialNumber")
	if err != nil {
		return err
	}
	if err := c.authorize("iam:DeleteVirtualMFADevice", serial, nil); err != nil {
		return err
	}
	return c.s.update(c.ctx, func(tx store.Tx) error {
		d, err := loadMFA(tx, c.who.account, serial)
		if err != nil {
			return err
		}
		if d.UserName != "" {
			return apiErr(409, "DeleteConflict", "MFA device is still in use.")
		}
		return tx.Delete(c.who.account, kindMFA, d.Name)
	})
}

func (c *call) mfaDevices() ([]*MFADevice, error) {
	var out []*MFADevice
	err := c.s.view(c.ctx, func(tx store.Tx) error {
		var err error
		out, err = allMFADevices(tx, c.who.account)
		return err
	})
	return out, err
}

func allMFADevices(tx store.Tx, account string) ([]*MFADevice, error) {
	_, devices, err := listAs[MFADevice](tx, account, kindMFA)
	return devices, err
}

// mfaDevicesOf lists the MFA devices enabled for the user with unique ID
// userID.
func mfaDevicesOf(tx store.Tx, account, userID string) ([]*MFADevice, error) {
	all, err := allMFADevices(tx, account)
	if err != nil {
		return nil, err
	}
	var mine []*MFADevice
	for _, d := range all {
		if d.UserID != "" && d.UserID == userID {
			mine = append(mine, d)
		}
	}
	return mine, nil
}

func listMFADevices(c *call) error {
	o, err := c.keyOwner("iam:ListMFADevices")
	if err != nil {
		return err
	}
	var mine []*MFADevice
	if o.id != "" {
		err = c.s.view(c.ctx, func(tx store.Tx) error {
			mine, err = mfaDevicesOf(tx, c.who.account, o.id)
			return err
		})
		if err != nil {
			return err
		}
	}
	return writeList(c, "MFADevices", mine, func(d *MFADevice) {
		c.x.Elem("UserName", d.UserName)
		c.x.Elem("SerialNumber", d.Serial)
		c.x.Elem("EnableDate", fmtTime(d.Enabled))
	})
}

func listVirtualMFADevices(c *call) error {
	if err := c.authorize("iam:ListVirtualMFADevices", "*", nil); err != nil {
		return err
	}
	status := c.p.Get("AssignmentStatus")
	all, err := c.mfaDevices()
	if err != nil {
		return err
	}
	var shown []*MFADevice
	for _, d := range all {
		if status == "" || status == "Any" || (status == "Assigned") == (d.UserName != "") {
			shown = append(shown, d)
		}
	}
	return writeList(c, "VirtualMFADevices", shown, func(d *MFADevice) {
		c.x.Elem("SerialNumber", d.Serial)
		if d.UserName != "" {
			c.x.Elem("EnableDate", fmtTime(d.Enabled))
			c.x.Open("User")
			c.x.Elem("UserName", d.UserName)
			c.x.Elem("Arn", d.UserArn)
			c.x.Close("User")
		}
	})
}

// verifyMFA checks the SerialNumber and TokenCode of GetSessionToken or
// AssumeRole: the device must be the calling user's, the code current
// and unused. It returns whether MFA was given.
func (c *call) verifyMFA() (bool, error) {
	serial, code := c.p.Get("SerialNumber"), c.p.Get("TokenCode")
	if serial == "" && code == "" {
		return false, nil
	}
	failed := apiErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	if serial == "" || code == "" || c.who.kind != callerUser || c.who.user == nil {
		return false, failed
	}
	err := c.s.update(c.ctx, func(tx store.Tx) error {
		d, err := loadMFA(tx, c.who.account, serial)
		if err != nil || d.UserID == "" || d.UserID != c.who.user.ID {
			return failed
		}
		step, ok := c.checkMFACode(d, code)
		if !ok {
			return failed
		}
		d.LastStep = step
		return putMFA(tx, c.who.account, d)
	})
	return err == nil, err
}
