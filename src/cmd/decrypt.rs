//! `appenv decrypt [-f FILE] [NAME…]`: an env file with its encrypted
//! values written plain, on stdout, for inspection. The file is never
//! changed: a plain secret on disk is what encrypting was for.

use super::Context;
use super::encrypt::Target;
use crate::cli::DecryptArgs;
use crate::error::{Error, print};
use crate::exit::ExitCode;
use crate::secrets::{self, KeyUse, file};

pub fn run(ctx: &Context, args: &DecryptArgs) -> Result<(), Error> {
    let target = Target::of(ctx, args.file.as_deref())?;
    let text = target.text()?;
    let fail = |e| Error::new(ExitCode::Failed, e);
    let public = file::public_key(&target.name, &text).map_err(fail)?;
    let name = secrets::key_name(&target.name, public.as_ref().map(|p| p.0.as_str()));
    let found = target.private_key(ctx, &name)?;
    let key = KeyUse {
        name,
        from: found.as_ref().map(|(_, from)| *from),
    };
    let keys = found.map(|(keys, _)| keys).unwrap_or_default();
    let plain = file::decrypt(&target.name, &text, &args.names, &keys, &key).map_err(fail)?;
    print(plain.as_bytes())
}
