/**
 * What an AWS access-denied message says about the decision. Source: "Troubleshooting access denied
 * error messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html —
 * messages read `User: <arn> is not authorized to perform: <action> on resource: <arn> <context>`,
 * where the context is `with an explicit deny in a <type> policy` (explicit deny; newer messages add
 * `: <policy ARN>`, https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns/)
 * or `because no <type> policy allows the <action> action` (implicit deny). Policy types:
 * service control policy, resource control policy, identity-based policy, resource-based policy,
 * permissions boundary, session policy, VPC endpoint policy. Older messages and some services give
 * no context. Pure.
 */
export interface IamDenial {
  /** `explicit`, `implicit`, or undefined when the message names neither. */
  kind?: 'explicit' | 'implicit';
  /** The policy type as the message names it, lower-case (`service control policy`). */
  policyType?: string;
  /** The ARN of the denying policy, when the message gives it. */
  policyArn?: string;
  principal?: string;
  action?: string;
  resource?: string;
}

const TYPES = '(service control policy|resource control policy|identity-based policy|resource-based policy|permissions boundary(?: policy)?|session policy|vpc endpoint policy)';
const EXPLICIT = new RegExp(`explicit deny in (?:an?|the) ${TYPES}(?::\\s*(arn:[^\\s,;]+))?`, 'i');
const IMPLICIT = new RegExp(`because no ${TYPES} allows`, 'i');
const WHO = /(?:User|Principal):\s*(\S+)\s+is not authorized to perform:\s*(\S+?)(?:\s+on resource:\s*(\S+?))?(?=\s|$|\.\s|\.$)/i;

/** Reads {@link IamDenial} out of an `errorMessage`. */
export function readIamDenial(message: string | undefined): IamDenial {
  if (!message) return {};
  const out: IamDenial = {};
  const who = WHO.exec(message);
  if (who) {
    out.principal = who[1];
    out.action = who[2];
    if (who[3]) out.resource = who[3];
  }
  const ex = EXPLICIT.exec(message);
  if (ex) {
    out.kind = 'explicit';
    out.policyType = normType(ex[1]);
    if (ex[2]) out.policyArn = ex[2].replace(/\.$/, '');
    return out;
  }
  const im = IMPLICIT.exec(message);
  if (im) {
    out.kind = 'implicit';
    out.policyType = normType(im[1]);
  }
  return out;
}

function normType(t: string): string {
  const l = t.toLowerCase();
  return l === 'permissions boundary policy' ? 'permissions boundary' : l;
}
