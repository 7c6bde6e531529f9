package catalog

import "strings"

// globalKeys are the aws: condition keys every service can see, from "AWS
// global condition context keys" (IAM User Guide). The service data lists
// only the tag keys among them, so they are kept here, with their types.
var globalKeys = func() map[string]*ConditionKey {
	m := map[string]*ConditionKey{}
	for _, k := range []struct{ key, typ, desc string }{
		{"aws:PrincipalArn", "ARN", "The ARN of the principal that made the request; the role ARN for a role session"},
		{"aws:PrincipalAccount", "String", "The account of the principal that made the request"},
		{"aws:PrincipalOrgID", "String", "The AWS Organizations ID of the principal's organization"},
		{"aws:PrincipalOrgPaths", "ArrayOfString", "The Organizations paths of the principal's account"},
		{"aws:PrincipalTag/${TagKey}", "String", "A tag attached to the principal"},
		{"aws:PrincipalIsAWSService", "Bool", "Whether the call is made directly by an AWS service principal"},
		{"aws:PrincipalServiceName", "String", "The service principal making the call"},
		{"aws:PrincipalServiceNamesList", "ArrayOfString", "All service principal names of the service making the call"},
		{"aws:PrincipalType", "String", "The type of principal: Account, User, FederatedUser, AssumedRole, Anonymous"},
		{"aws:userid", "String", "The principal's identifier"},
		{"aws:username", "String", "The IAM user name"},
		{"aws:TokenIssueTime", "Date", "When the temporary credentials were issued"},
		{"aws:MultiFactorAuthAge", "Numeric", "Seconds since MFA authentication"},
		{"aws:MultiFactorAuthPresent", "Bool", "Whether MFA was used to get the temporary credentials"},
		{"aws:FederatedProvider", "String", "The identity provider that authenticated a federated principal"},
		{"aws:SourceIdentity", "String", "The source identity set on the role session"},
		{"aws:AssumedRoot", "String", "Whether the request was made with AssumeRoot credentials"},
		{"aws:ChatbotSourceArn", "ARN", "The chat configuration ARN of an AWS Chatbot session"},
		{"aws:Ec2InstanceSourceVpc", "String", "The VPC of the EC2 instance the role credentials were delivered to"},
		{"aws:Ec2InstanceSourcePrivateIPv4", "IPAddress", "The private IPv4 address of the EC2 instance the credentials were delivered to"},
		{"aws:SourceIp", "IPAddress", "The requester's IP address"},
		{"aws:SourceVpc", "String", "The VPC the request came through"},
		{"aws:SourceVpcArn", "ARN", "The ARN of the VPC the request came through"},
		{"aws:SourceVpce", "String", "The VPC endpoint the request came through"},
		{"aws:VpceAccount", "String", "The account owning the VPC endpoint"},
		{"aws:VpceOrgID", "String", "The organization owning the VPC endpoint"},
		{"aws:VpceOrgPaths", "ArrayOfString", "The Organizations paths of the VPC endpoint's account"},
		{"aws:VpcSourceIp", "IPAddress", "The requester's IP address inside the VPC"},
		{"aws:ResourceAccount", "String", "The account that owns the resource"},
		{"aws:ResourceOrgID", "String", "The organization of the resource's account"},
		{"aws:ResourceOrgPaths", "ArrayOfString", "The Organizations paths of the resource's account"},
		{"aws:ResourceTag/${TagKey}", "String", "A tag attached to the resource"},
		{"aws:CurrentTime", "Date", "The date and time of the request"},
		{"aws:EpochTime", "Date", "The date and time of the request in epoch seconds"},
		{"aws:RequestedRegion", "String", "The Region the request was made to"},
		{"aws:SecureTransport", "Bool", "Whether the request was sent over TLS"},
		{"aws:UserAgent", "String", "The requester's client application"},
		{"aws:ViaAWSService", "Bool", "Whether an AWS service made the request on the principal's behalf"},
		{"aws:CalledVia", "ArrayOfString", "The services that made the request on the principal's behalf, in order"},
		{"aws:CalledViaFirst", "String", "The first service in aws:CalledVia"},
		{"aws:CalledViaLast", "String", "The last service in aws:CalledVia"},
		{"aws:CalledViaAWSMCP", "String", "The AWS MCP server that made the request"},
		{"aws:ViaAWSMCPService", "Bool", "Whether an AWS MCP server made the request"},
		{"aws:IsMcpServiceAction", "Bool", "Whether the action is an MCP service action"},
		{"aws:referer", "String", "The HTTP referer of a browser request"},
		{"aws:RequestTag/${TagKey}", "String", "A tag passed in the request"},
		{"aws:TagKeys", "ArrayOfString", "The tag keys passed in the request"},
		{"aws:SourceArn", "ARN", "The resource on whose behalf a service makes the request"},
		{"aws:SourceAccount", "String", "The account of the resource on whose behalf a service makes the request"},
		{"aws:SourceOrgID", "String", "The organization of the resource on whose behalf a service makes the request"},
		{"aws:SourceOrgPaths", "ArrayOfString", "The Organizations paths of that resource's account"},
	} {
		m[strings.ToLower(k.key)] = &ConditionKey{Key: k.key, Type: k.typ, Description: k.desc}
	}
	return m
}()

// lookupGlobal finds an aws: key, matching the tag templates.
func lookupGlobal(lk string) *ConditionKey {
	if k, ok := globalKeys[lk]; ok {
		return k
	}
	for template, k := range globalKeys {
		if TemplateMatch(template, lk) {
			return k
		}
	}
	return nil
}
