//! The settings' flags, made from the library's one table of settings
//! ([`jixiao::options::SETTINGS`]): each row becomes `--flag VALUE` with its help, and the
//! values given come back as `(name, value)` pairs for [`jixiao::options::from_flags`]. A new
//! setting needs no change here.

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

use jixiao::options::SETTINGS;

/// The setting flags given, in table order (a repeated flag's values in the order written).
#[derive(Debug, Default, Clone)]
pub struct SettingFlags(pub Vec<(&'static str, String)>);

impl Args for SettingFlags {
    fn augment_args(cmd: Command) -> Command {
        SETTINGS.iter().fold(cmd, |cmd, s| {
            cmd.arg(
                Arg::new(s.name)
                    .long(s.flag)
                    .value_name(s.value_name)
                    .help(s.help)
                    .action(if s.repeatable {
                        ArgAction::Append
                    } else {
                        ArgAction::Set
                    }),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = SettingFlags::default();
        flags.update_from_arg_matches(matches)?;
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        for s in SETTINGS {
            if let Some(values) = matches.get_many::<String>(s.name) {
                self.0.extend(values.map(|v| (s.name, v.clone())));
            }
        }
        Ok(())
    }
}
