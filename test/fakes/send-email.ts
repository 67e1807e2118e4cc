/**
 * A stand-in for the `send_email` binding (Cloudflare Email Service), taking the message builder
 * the Workers API documents (https://developers.cloudflare.com/email-service/api/send-emails/workers-api/):
 * `send({ from, to, subject, text?, html?, replyTo?, attachments? })` resolving to `{ messageId }`,
 * rejecting like the binding does when the message is not one (no sender, no recipient, no body).
 * It keeps what it was given, or fails every send with `failWith`.
 */
type Builder = EmailMessageBuilder;

export interface FakeMailer {
  binding: SendEmail;
  sent: Builder[];
}

const addressOf = (value: string | { email: string }) => (typeof value === "string" ? value : value.email);

export function fakeMailer(options: { failWith?: string } = {}): FakeMailer {
  const sent: Builder[] = [];
  const send = async (message: Builder | EmailMessage) => {
    if (!("subject" in message)) throw new Error("this fake takes the message builder only");
    if (options.failWith) throw new Error(options.failWith);
    if (!/^[^@\s]+@[^@\s]+$/.test(addressOf(message.from))) throw new Error("invalid sender address");
    const to = [message.to ?? []].flat().map(addressOf);
    if (to.length === 0 || to.length > 50 || to.some((address) => !/^[^@\s]+@[^@\s]+$/.test(address))) throw new Error("invalid recipient address");
    if (!message.text && !message.html) throw new Error("an email needs text or html");
    sent.push(message);
    return { messageId: `<${crypto.randomUUID()}@${addressOf(message.from).split("@")[1]}>` };
  };
  return { binding: { send } as unknown as SendEmail, sent };
}
